use super::*;
use ftp_proto::Reply;

fn refused(code: u16) -> ClientError {
    ClientError::Refused {
        what: "RETR a".into(),
        reply: Reply::new(ReplyCode(code), "x"),
    }
}

fn net(kind: ErrorKind) -> ClientError {
    ClientError::net("c", std::io::Error::new(kind, "x"))
}

#[test]
fn backoff_doubles_from_one_second_up_to_the_cap() {
    let p = Policy::new(8);
    let secs: Vec<u64> = (1..=8).map(|r| p.delay(r).as_secs()).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
    assert_eq!(p.delay(1000), MAX_DELAY);
}

#[test]
fn total_wait_is_the_sum_of_the_delays() {
    assert_eq!(Policy::new(0).total_wait(), Duration::ZERO);
    assert_eq!(Policy::new(3).total_wait(), Duration::from_secs(7));
    assert_eq!(Policy::new(6).total_wait(), Duration::from_secs(61));
}

#[test]
fn the_listed_reply_codes_are_transient_and_5xx_never() {
    for code in [421, 425, 426, 450, 451] {
        assert!(is_transient(&refused(code)), "{code}");
    }
    for code in [452, 500, 501, 530, 550, 552, 553] {
        assert!(!is_transient(&refused(code)), "{code}");
    }
    let not_found = ClientError::NotFound {
        what: "RETR a".into(),
        reply: Reply::new(ReplyCode(550), "no"),
    };
    assert!(!is_transient(&not_found));
}

#[test]
fn network_failures_are_transient_local_and_usage_ones_are_not() {
    for kind in [
        ErrorKind::ConnectionRefused,
        ErrorKind::ConnectionReset,
        ErrorKind::TimedOut,
        ErrorKind::WouldBlock,
        ErrorKind::UnexpectedEof,
    ] {
        assert!(is_transient(&net(kind)), "{kind:?}");
    }
    assert!(!is_transient(&net(ErrorKind::InvalidInput)));
    assert!(!is_transient(&ClientError::Usage("u".into())));
    assert!(!is_transient(&ClientError::local(
        "l",
        std::io::Error::new(ErrorKind::ConnectionReset, "x")
    )));
    assert!(!is_transient(&ClientError::Login(Reply::new(
        ReplyCode(530),
        "no"
    ))));
}

#[test]
fn a_refused_greeting_is_transient_only_with_a_4xx_code() {
    let greeting = |code| {
        ClientError::net(
            "server refused the connection",
            std::io::Error::other(ServerRefusal(Reply::new(ReplyCode(code), "busy"))),
        )
    };
    assert!(is_transient(&greeting(421)));
    assert!(!is_transient(&greeting(554)));
}

#[test]
fn a_size_mismatch_is_transient_cannot_resume_is_not() {
    let mismatch = |expected, got| ClientError::SizeMismatch {
        path: "a".into(),
        expected,
        got,
    };
    // Short of the source (a download) or the server short of what was
    // sent (an upload the server said 226 to).
    assert!(is_transient(&mismatch(10, 4)));
    assert!(is_transient(&mismatch(4, 10)));
    let longer = ClientError::CannotResume {
        path: "a".into(),
        have: 10,
        len: 4,
    };
    assert!(!is_transient(&longer));
}

#[test]
fn run_retries_transient_failures_and_stops_at_permanent_ones() {
    let printer = Printer::new(crate::output::Verbosity::Quiet, false);
    let instant = Policy {
        retries: 3,
        base: Duration::ZERO,
        cap: Duration::ZERO,
    };
    let mut calls = 0;
    let r = run(&instant, &printer, |retry| {
        calls += 1;
        if retry < 2 {
            Err(refused(421))
        } else {
            Ok(retry)
        }
    });
    assert_eq!((r.ok(), calls), (Some(2), 3));
    let mut calls = 0;
    let r: Result<()> = run(&instant, &printer, |_| {
        calls += 1;
        Err(refused(550))
    });
    assert!(r.is_err());
    assert_eq!(calls, 1);
    let mut calls = 0;
    let r: Result<()> = run(&instant, &printer, |_| {
        calls += 1;
        Err(refused(421))
    });
    assert!(r.is_err());
    assert_eq!(calls, 4);
}
