//! A scripted fake FTP server for behaviour no honest server shows: hostile
//! listing names, terminal escape sequences in names, a PASV reply naming an
//! unreachable private address, a transfer that stalls until ABOR, an
//! upload refused after its bytes were sent. Each
//! control connection runs in its own thread; every line received is logged.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub struct FakeConfig {
    /// Advertise MLST and serve the listing for MLSD; else only LIST.
    pub mlst: bool,
    /// Answer EPSV; when false EPSV gets 500 and the client must use PASV.
    pub epsv: bool,
    /// The host PASV announces.
    pub pasv_host: [u8; 4],
    /// Body served for MLSD and LIST (lines end in CRLF).
    pub listing: String,
    /// RETR name → content; unknown names get `b"pwned"` (a hostile server would).
    pub files: Vec<(String, Vec<u8>)>,
    /// RETR sends this many bytes, then holds the data connection open until ABOR.
    pub stall_after: Option<usize>,
    /// STOR and APPE read the upload, then answer 451, as a server that
    /// keeps the file it created; SIZE of a `.ftpc-part` name says 0.
    pub stor_fails: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            mlst: true,
            epsv: true,
            pasv_host: [127, 0, 0, 1],
            listing: String::new(),
            files: Vec::new(),
            stall_after: None,
            stor_fails: false,
        }
    }
}

pub struct Fake {
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Fake {
    pub fn start(config: FakeConfig) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            // Bounded: a test opens at most a handful of connections.
            for conn in listener.incoming().take(64) {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { break };
                let (config, log) = (config.clone(), log2.clone());
                std::thread::spawn(move || {
                    let _ = session(conn, &config, &log);
                });
            }
        });
        Fake { port, log, stop }
    }

    pub fn url(&self, rel: &str) -> String {
        format!("ftp://127.0.0.1:{}/{}", self.port, rel)
    }

    /// Every control line received so far.
    pub fn lines(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    data: Option<TcpListener>,
}

impl Conn {
    fn say(&mut self, text: &str) -> std::io::Result<()> {
        self.writer.write_all(text.as_bytes())?;
        self.writer.write_all(b"\r\n")
    }

    fn line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
    }

    fn listen(&mut self) -> std::io::Result<u16> {
        let l = TcpListener::bind("127.0.0.1:0")?;
        let port = l.local_addr()?.port();
        self.data = Some(l);
        Ok(port)
    }

    /// 150, send `body` on the data connection, 226.
    fn send_data(&mut self, body: &[u8]) -> std::io::Result<()> {
        let Some(l) = self.data.take() else {
            return self.say("425 no data connection");
        };
        self.say("150 here it comes")?;
        let (mut d, _) = l.accept()?;
        d.write_all(body)?;
        drop(d);
        self.say("226 done")
    }
}

impl Conn {
    /// 150, read the upload to its end, then 451.
    fn receive_then_fail(&mut self) -> std::io::Result<()> {
        let Some(l) = self.data.take() else {
            return self.say("425 no data connection");
        };
        self.say("150 send it")?;
        let (mut d, _) = l.accept()?;
        d.set_read_timeout(Some(Duration::from_secs(30)))?;
        std::io::copy(&mut d, &mut std::io::sink())?;
        self.say("451 local error in processing")
    }
}

fn session(
    stream: TcpStream,
    config: &FakeConfig,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut c = Conn {
        reader: BufReader::new(stream.try_clone()?),
        writer: stream,
        data: None,
    };
    c.say("220 fake server")?;
    for _ in 0..1000 {
        let Some(line) = c.line()? else { return Ok(()) };
        log.lock().expect("log").push(line.clone());
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        let arg = arg.to_string();
        match verb.to_ascii_uppercase().as_str() {
            "USER" => c.say("331 password please")?,
            "PASS" if arg == "bad" => c.say("530 no")?,
            "PASS" => c.say("230 in")?,
            "FEAT" if config.mlst => {
                c.say("211-Features\r\n MLST type*;size*;modify*;\r\n SIZE\r\n211 End")?
            }
            "FEAT" => c.say("211-Features\r\n SIZE\r\n211 End")?,
            "OPTS" | "TYPE" => c.say("200 ok")?,
            "PWD" => c.say("257 \"/\" is home")?,
            "CWD" => c.say("250 ok")?,
            "EPSV" if config.epsv => {
                let port = c.listen()?;
                c.say(&format!("229 Entering Extended Passive Mode (|||{port}|)"))?
            }
            "PASV" => {
                let port = c.listen()?;
                let h = config.pasv_host;
                c.say(&format!(
                    "227 Entering Passive Mode ({},{},{},{},{},{})",
                    h[0],
                    h[1],
                    h[2],
                    h[3],
                    port >> 8,
                    port & 0xff
                ))?
            }
            "MLSD" if config.mlst => c.send_data(config.listing.as_bytes())?,
            "LIST" => c.send_data(config.listing.as_bytes())?,
            "SIZE" if config.stor_fails && arg.ends_with(".ftpc-part") => c.say("213 0")?,
            "STOR" | "APPE" if config.stor_fails => c.receive_then_fail()?,
            "DELE" => c.say("250 deleted")?,
            "SIZE" => match config.files.iter().find(|(n, _)| *n == arg) {
                Some((_, b)) => c.say(&format!("213 {}", b.len()))?,
                None => c.say("550 no such file")?,
            },
            "RETR" => retr(&mut c, config, &arg, log)?,
            "ABOR" => c.say("226 nothing to abort")?,
            "QUIT" => return c.say("221 bye"),
            _ => c.say("502 not here")?,
        }
    }
    Ok(())
}

fn retr(
    c: &mut Conn,
    config: &FakeConfig,
    name: &str,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let body = config
        .files
        .iter()
        .find(|(n, _)| n == name)
        .map_or(b"pwned".to_vec(), |(_, b)| b.clone());
    let Some(stall) = config.stall_after else {
        return c.send_data(&body);
    };
    let Some(l) = c.data.take() else {
        return c.say("425 no data connection");
    };
    c.say("150 here it comes, slowly")?;
    let (mut d, _) = l.accept()?;
    d.write_all(&body[..stall.min(body.len())])?;
    d.flush()?;
    // Hold the data connection open until the client aborts.
    if let Some(line) = c.line()? {
        log.lock().expect("log").push(line.clone());
        drop(d);
        c.say("426 aborted")?;
        c.say("226 abort done")?;
    }
    Ok(())
}
