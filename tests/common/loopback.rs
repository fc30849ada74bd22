//! Loopback plumbing of the end-to-end tests: a small HTTP server (webhooks, /metrics) and
//! client (the engines' APIs), Alertmanager's webhook payloads, and engine processes that are
//! killed by their pid when their guard drops.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

// ---------------------------------------------------------------------------------------------
// HTTP on loopback: a small server (webhooks, /metrics) and a client (the APIs).

/// (method, path, body) → (status, content type, body).
pub type Handle = dyn Fn(&str, &str, &[u8]) -> (u16, &'static str, String) + Send + Sync;
pub type Handler = Arc<Handle>;
/// A [`Handler`] whose responses are bytes (a protobuf exposition).
pub type BytesHandle = dyn Fn(&str, &str, &[u8]) -> (u16, &'static str, Vec<u8>) + Send + Sync;
pub type BytesHandler = Arc<BytesHandle>;

/// A loopback HTTP/1.1 server, one thread per connection, every response `Connection: close`.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(handler: Handler) -> Server {
        Server::start_bytes(Arc::new(move |method: &str, path: &str, body: &[u8]| {
            let (status, content_type, text) = handler(method, path, body);
            (status, content_type, text.into_bytes())
        }))
    }

    pub fn start_bytes(handler: BytesHandler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = conn {
                    let h = handler.clone();
                    std::thread::spawn(move || serve_one(stream, h.as_ref()));
                }
            }
        });
        Server {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_one(mut s: TcpStream, handler: &BytesHandle) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 1 << 20 {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut request = lines.next().unwrap_or_default().split_whitespace();
    let (method, path) = (
        request.next().unwrap_or_default().to_string(),
        request.next().unwrap_or_default().to_string(),
    );
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let (status, content_type, body) = handler(&method, &path, &buf[head_end..head_end + length]);
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let _ = write!(
        s,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(&body);
}

/// One request to 127.0.0.1:`port`; `None` when nothing answers.
pub fn http(port: u16, method: &str, path: &str, form: Option<&str>) -> Option<(u16, String)> {
    request(
        port,
        method,
        path,
        "application/x-www-form-urlencoded",
        form.unwrap_or(""),
    )
}

/// A request with a JSON body to 127.0.0.1:`port` (an API that reads JSON, as Alertmanager's
/// `/api/v2/alerts`): (status, body); fails when nothing answers.
pub fn http_json(port: u16, method: &str, path: &str, body: &Json) -> (u16, String) {
    request(port, method, path, "application/json", &body.to_string())
        .unwrap_or_else(|| panic!("no answer from 127.0.0.1:{port}{path}"))
}

fn request(
    port: u16,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(2),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let status = resp.split_whitespace().nth(1)?.parse().ok()?;
    Some((
        status,
        resp.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default(),
    ))
}

pub fn get_json(port: u16, path: &str) -> Json {
    let (status, body) = http(port, "GET", path, None)
        .unwrap_or_else(|| panic!("no answer from 127.0.0.1:{port}{path}"));
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// POSTs the form `form` to `path` of 127.0.0.1:`port` and reads the JSON answer, which must
/// come with status 200.
pub fn post_json(port: u16, path: &str, form: &str) -> Json {
    let (status, body) = http(port, "POST", path, Some(form))
        .unwrap_or_else(|| panic!("no answer from 127.0.0.1:{port}{path}"));
    assert_eq!(status, 200, "POST {path} {form}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("POST {path}: {e}: {body}"))
}

/// The `result` of an instant query of `q` to an engine that speaks the Prometheus HTTP API
/// (Prometheus, VictoriaMetrics), at Unix time `at` (seconds, to the millisecond) or now.
fn query_result(port: u16, q: &str, at: Option<f64>) -> Vec<Json> {
    let time = at.map(|t| format!("&time={t:.3}")).unwrap_or_default();
    let answer = post_json(
        port,
        "/api/v1/query",
        &format!("query={}{time}", form_encode(q)),
    );
    answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{q}: {answer}"))
}

/// (labels, value) per series of an instant vector.
fn vector(result: Vec<Json>) -> Vec<(Json, f64)> {
    result
        .iter()
        .map(|r| {
            (
                r["metric"].clone(),
                r["value"][1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// An instant query to the Prometheus on 127.0.0.1:`port`: (labels, value) per series.
pub fn instant_query(port: u16, q: &str) -> Vec<(Json, f64)> {
    vector(query_result(port, q, None))
}

/// An instant query at Unix time `at` (seconds, to the millisecond): (labels, value) per series.
pub fn query_at(port: u16, q: &str, at: f64) -> Vec<(Json, f64)> {
    vector(query_result(port, q, Some(at)))
}

/// The raw samples of a range selector `q` (`metric{...}[range]`) at Unix time `at`: (labels,
/// [(timestamp in ms, value)]) per series.
pub fn samples_at(port: u16, q: &str, at: f64) -> Vec<(Json, Vec<(i64, f64)>)> {
    let result = query_result(port, q, Some(at));
    result
        .iter()
        .map(|r| {
            let values = r["values"]
                .as_array()
                .unwrap_or_else(|| panic!("{q}: not a range answer: {r}"));
            let points = values
                .iter()
                .map(|p| {
                    (
                        (p[0].as_f64().unwrap() * 1000.0).round() as i64,
                        p[1].as_str().unwrap().parse().unwrap(),
                    )
                })
                .collect();
            (r["metric"].clone(), points)
        })
        .collect()
}

pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Notifications as the webhooks receive them, one entry per alert of a payload.

#[derive(Clone, Debug)]
pub struct Delivery {
    /// The webhook path, i.e. the receiver's name in the spec.
    pub receiver: String,
    /// The receiver Alertmanager names in the payload.
    pub payload_receiver: String,
    pub at: Instant,
    /// The alert's own status (`firing`, `resolved`).
    pub status: String,
    pub slo: String,
    pub stage: String,
    pub team: String,
    pub ends_at: String,
}

pub fn stage_of(labels: &Json) -> String {
    match (
        labels["alert_tier"].as_str(),
        labels["budget_stage"].as_str(),
    ) {
        (Some(t), _) => t.to_string(),
        (None, Some(b)) => format!("budget {b}"),
        _ => "?".to_string(),
    }
}

pub fn deliveries_of(receiver: &str, at: Instant, body: &[u8]) -> Vec<Delivery> {
    let payload: Json = serde_json::from_slice(body).unwrap_or(Json::Null);
    let Some(alerts) = payload["alerts"].as_array() else {
        return vec![Delivery {
            receiver: receiver.into(),
            payload_receiver: "?".into(),
            at,
            status: "unreadable payload".into(),
            slo: "?".into(),
            stage: "?".into(),
            team: "?".into(),
            ends_at: String::new(),
        }];
    };
    alerts
        .iter()
        .map(|a| Delivery {
            receiver: receiver.to_string(),
            payload_receiver: payload["receiver"].as_str().unwrap_or("?").to_string(),
            at,
            status: a["status"].as_str().unwrap_or("?").to_string(),
            slo: format!(
                "{}/{}",
                a["labels"]["service"].as_str().unwrap_or("?"),
                a["labels"]["slo"].as_str().unwrap_or("?")
            ),
            stage: stage_of(&a["labels"]),
            team: a["labels"]["team"].as_str().unwrap_or("?").to_string(),
            ends_at: a["endsAt"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

pub fn describe(ds: &[Delivery], since: Instant) -> String {
    if ds.is_empty() {
        return "  (none)".into();
    }
    ds.iter()
        .map(|d| {
            format!(
                "  +{:.1}s {} <- {} {} [{}] team={}",
                d.at.saturating_duration_since(since).as_secs_f64(),
                d.receiver,
                d.slo,
                d.stage,
                d.status,
                d.team
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// Processes.

/// A child process, killed by its pid when dropped; prints the end of its log on failure.
pub struct Proc {
    pub name: &'static str,
    pub child: Child,
    pub log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.child.id();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log
                .lines()
                .rev()
                .take(25)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            eprintln!(
                "--- {} (pid {pid}), last lines of its log:\n{}",
                self.name,
                tail.join("\n")
            );
        }
        eprintln!("stopped {} (pid {pid})", self.name);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `bin` with the arguments `args(port)` on a free loopback port and waits until
/// `/-/ready` answers 200; a port taken in the meantime is retried with another one.
pub fn spawn_ready(
    name: &'static str,
    bin: &Path,
    dir: &Path,
    args: &dyn Fn(u16) -> Vec<String>,
) -> (Proc, u16) {
    for attempt in 0..3 {
        let port = free_port();
        let log = dir.join(format!("{name}-{attempt}.log"));
        let out = fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .args(args(port))
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let mut p = Proc { name, child, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if http(port, "GET", "/-/ready", None).is_some_and(|r| r.0 == 200) {
                return (p, port);
            }
            if p.child.try_wait().ok().flatten().is_some() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not become ready on 127.0.0.1:{port}:\n{}",
                fs::read_to_string(&p.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!(
            "{name} exited on 127.0.0.1:{port}, retrying on another port:\n{}",
            fs::read_to_string(&p.log).unwrap_or_default()
        );
    }
    panic!("{name} did not start");
}

/// Runs `cmd` (`name` in messages) to its end, its output going to `log`, for at most `limit` (then it is killed and
/// the test fails); fails when it exits with an error. Returns its output.
pub fn run_bounded(name: &'static str, cmd: &mut Command, limit: Duration, log: &Path) -> String {
    let out = fs::File::create(log).unwrap();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    let mut p = Proc {
        name,
        child,
        log: log.to_path_buf(),
    };
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = p.child.try_wait().expect("wait for a child") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{cmd:?} did not finish within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = fs::read_to_string(log).unwrap_or_default();
    assert!(status.success(), "{cmd:?} failed ({status}):\n{text}");
    text
}

/// A real Alertmanager on loopback with `config`, its data under `dir/alertmanager-data`,
/// clustering off.
pub fn spawn_alertmanager(bin: &Path, dir: &Path, config: &Path) -> (Proc, u16) {
    let data = dir.join("alertmanager-data");
    spawn_ready("prometheus-alertmanager", bin, dir, &|port| {
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.path={}", data.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--cluster.listen-address=".into(),
        ]
    })
}
