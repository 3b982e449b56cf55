//! A D-Bus client just big enough for the Secret Service: one blocking unix socket to the
//! session bus, every read and write bounded by the caller's deadline (no thread, no runtime),
//! requests that may be sent back to back before their answers are read. Headers are
//! marshalled here; bodies by zvariant.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zvariant::serialized::{Context, Data};
use zvariant::{LE, Type};

/// Why a call got no answer it could use.
#[derive(Debug)]
pub enum Fault {
    /// The deadline passed first.
    Timeout,
    /// No session bus to use: why, in a clause that follows "no D-Bus session bus: ".
    NoBus(String),
    /// The bus could not be reached or spoke no D-Bus.
    Broken(String),
    /// The peer answered with a D-Bus error: its name and message.
    Refused(String, String),
}

impl Fault {
    fn io(e: std::io::Error) -> Fault {
        match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Fault::Timeout,
            _ => Fault::Broken(e.to_string()),
        }
    }
}

pub type Answer<T> = Result<T, Fault>;

const METHOD_CALL: u8 = 1;
const METHOD_RETURN: u8 = 2;
const ERROR: u8 = 3;
pub const SIGNAL: u8 = 4;

/// Header field codes.
const PATH: u8 = 1;
const INTERFACE: u8 = 2;
const MEMBER: u8 = 3;
const ERROR_NAME: u8 = 4;
const REPLY_SERIAL: u8 = 5;
const DESTINATION: u8 = 6;
const SENDER: u8 = 7;
const SIGNATURE: u8 = 8;

/// A message read from the bus: its kind, the header fields this client reads, and its body.
pub struct Message {
    pub kind: u8,
    reply_serial: u32,
    /// The unique name of the connection that sent it, which the bus sets: a peer cannot
    /// claim another's.
    pub sender: String,
    pub path: String,
    pub interface: String,
    pub member: String,
    error_name: String,
    little: bool,
    body: Vec<u8>,
}

impl Message {
    /// The body as `T`, whose signature must be the body's (a struct for several values).
    pub fn body<T: DeserializeOwned + Type>(&self) -> Answer<T> {
        let ctxt = if self.little {
            Context::new_dbus(LE, 0)
        } else {
            Context::new_dbus(zvariant::BE, 0)
        };
        Data::new(&self.body[..], ctxt)
            .deserialize::<T>()
            .map(|(v, _)| v)
            .map_err(|e| Fault::Broken(format!("a malformed answer on the bus ({e})")))
    }
}

/// The bus's socket, read and written no later than `deadline`: the timeout is set again before
/// each system call, so a peer that sends a byte now and then cannot stretch an answer past it.
struct Timed {
    stream: UnixStream,
    deadline: Instant,
}

impl Timed {
    fn left(&self) -> std::io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        Ok(left)
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        self.stream.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct Bus {
    socket: BufReader<Timed>,
    serial: u32,
    /// Answers read while waiting for another one.
    early: HashMap<u32, Message>,
    /// Signals read while waiting for an answer.
    pub signals: Vec<Message>,
    /// Whether the bus's OK to the authentication has been read.
    greeted: bool,
}

/// The unix socket paths of a D-Bus address (`unix:path=…` or, on Linux, `unix:abstract=…`;
/// several separated by `;`), in the order to try them.
fn sockets(address: &str) -> Vec<(bool, OsString)> {
    let unescape = |v: &str| {
        let b = v.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match (b[i], b.get(i + 1..i + 3)) {
                (b'%', Some(hex)) => {
                    let hex = std::str::from_utf8(hex).unwrap_or("");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(b'%'));
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        OsString::from_vec(out)
    };
    address
        .split(';')
        .filter_map(|a| a.strip_prefix("unix:"))
        .filter_map(|params| {
            params.split(',').find_map(|kv| match kv.split_once('=') {
                Some(("path", v)) => Some((false, unescape(v))),
                Some(("abstract", v)) => Some((true, unescape(v))),
                _ => None,
            })
        })
        .collect()
}

/// Connects within `deadline`: a bus that no longer accepts holds connect(2) once its listen
/// backlog is full, until the socket's send timeout (the std connect has none).
fn connect(abstract_name: bool, name: &OsStr, deadline: Instant) -> std::io::Result<UnixStream> {
    use socket2::{Domain, SockAddr, Socket, Type};
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ErrorKind::TimedOut.into());
    }
    // An abstract name is a path that starts with a NUL.
    let mut path = OsString::from(if abstract_name { "\0" } else { "" });
    path.push(name);
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    // Below a microsecond the timeout would read as none.
    socket.set_write_timeout(Some(left.max(Duration::from_millis(1))))?;
    socket.connect(&SockAddr::unix(path)?)?;
    Ok(socket.into())
}

/// The user's own bus, `$XDG_RUNTIME_DIR/bus` (else `/run/user/UID/bus`, where zbus looks
/// too), used as libdbus does only when it is a socket of the user's (`refusal`); its folder
/// must be the user's and private as well, as the XDG spec has it: else another user could
/// have put a bus there, and would receive the secrets sent to the keyring.
fn user_bus() -> Answer<PathBuf> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from(format!("/run/user/{uid}")), PathBuf::from);
    let path = dir.join("bus");
    let refuse = |why: &str| {
        Fault::NoBus(format!(
            "DBUS_SESSION_BUS_ADDRESS is unset and {} is not a socket of yours in a private \
             folder ({why}), so awsmfa does not use it: set DBUS_SESSION_BUS_ADDRESS, or \
             XDG_RUNTIME_DIR to a 0700 folder of yours",
            path.display()
        ))
    };
    if !dir.is_absolute() {
        return Err(refuse("XDG_RUNTIME_DIR is not an absolute path"));
    }
    let bus = match std::fs::symlink_metadata(&path) {
        Ok(bus) => bus,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Fault::NoBus(format!(
                "DBUS_SESSION_BUS_ADDRESS is unset and there is no {}",
                path.display()
            )));
        }
        Err(e) => return Err(refuse(&e.to_string())),
    };
    let folder = std::fs::metadata(&dir).map_err(|e| refuse(&e.to_string()))?;
    match refusal(uid, (folder.uid(), folder.mode()), (bus.uid(), bus.mode())) {
        Some(why) => Err(refuse(why)),
        None => Ok(path),
    }
}

/// Why a user bus whose folder and socket have these owners and modes is not `uid`'s own, if
/// it is not: a symbolic link could lead anywhere, and a folder others may write in (sticky
/// or not) could hold their socket.
fn refusal(
    uid: u32,
    (folder_owner, folder_mode): (u32, u32),
    (owner, mode): (u32, u32),
) -> Option<&'static str> {
    match mode & libc::S_IFMT {
        libc::S_IFLNK => Some("it is a symbolic link"),
        libc::S_IFSOCK if owner != uid => Some("it belongs to another user"),
        libc::S_IFSOCK if folder_owner != uid => Some("its folder belongs to another user"),
        libc::S_IFSOCK if folder_mode & 0o022 != 0 => Some("its folder is writable by others"),
        libc::S_IFSOCK => None,
        _ => Some("it is not a socket"),
    }
}

fn pad(buf: &mut Vec<u8>, align: usize) {
    while !buf.len().is_multiple_of(align) {
        buf.push(0);
    }
}

fn put_u32(buf: &mut Vec<u8>, v: u32) {
    pad(buf, 4);
    buf.extend_from_slice(&v.to_le_bytes());
}

/// One header field whose value is a string of type `kind` (`s`, `o` or `g`).
fn put_field(buf: &mut Vec<u8>, code: u8, kind: u8, value: &str) {
    pad(buf, 8);
    buf.extend_from_slice(&[code, 1, kind, 0]);
    if kind == b'g' {
        buf.push(value.len() as u8);
    } else {
        put_u32(buf, value.len() as u32);
    }
    buf.extend_from_slice(value.as_bytes());
    buf.push(0);
}

/// Where a call goes.
pub struct Call<'a> {
    pub destination: &'a str,
    pub path: &'a str,
    pub interface: &'a str,
    pub member: &'a str,
}

impl Bus {
    /// Connects to the session bus and says hello, within `deadline`: the one that
    /// DBUS_SESSION_BUS_ADDRESS names, else the user's own (`user_bus`).
    pub fn session(deadline: Instant) -> Answer<Bus> {
        let sockets = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            Ok(address) if !address.is_empty() => {
                let found = sockets(&address);
                if found.is_empty() {
                    return Err(Fault::Broken(format!(
                        "no unix socket in DBUS_SESSION_BUS_ADDRESS={address}"
                    )));
                }
                found
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Fault::Broken(
                    "DBUS_SESSION_BUS_ADDRESS is not UTF-8".into(),
                ));
            }
            _ => vec![(false, user_bus()?.into_os_string())],
        };
        let mut last = String::new();
        for (abstract_name, name) in sockets {
            match connect(abstract_name, &name, deadline) {
                Ok(socket) => return Bus::hello(socket, deadline),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(Fault::Timeout);
                }
                Err(e) => {
                    let name = Path::new(&name).display();
                    last = format!("cannot connect to the session bus at {name}: {e}");
                }
            }
        }
        Err(Fault::Broken(last))
    }

    /// Sends the authentication, BEGIN and Hello in one write and goes on: the bus reads them
    /// in turn, so calls may follow at once; its OK is read before the first answer.
    fn hello(socket: UnixStream, deadline: Instant) -> Answer<Bus> {
        let mut bus = Bus {
            socket: BufReader::new(Timed {
                stream: socket,
                deadline,
            }),
            serial: 0,
            early: HashMap::new(),
            signals: Vec::new(),
            greeted: false,
        };
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() }.to_string();
        let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
        let mut first = format!("\0AUTH EXTERNAL {hex}\r\nBEGIN\r\n").into_bytes();
        let hello = bus.message(
            &Call {
                destination: "org.freedesktop.DBus",
                path: "/org/freedesktop/DBus",
                interface: "org.freedesktop.DBus",
                member: "Hello",
            },
            "",
            &[],
        );
        first.extend_from_slice(&hello.1);
        bus.write(&first, deadline)?;
        Ok(bus)
    }

    /// Reads the bus's answer to the authentication, once, before any message.
    fn greeting(&mut self, deadline: Instant) -> Answer<()> {
        if self.greeted {
            return Ok(());
        }
        let mut line = Vec::new();
        self.arm(deadline);
        self.socket
            .read_until(b'\n', &mut line)
            .map_err(Fault::io)?;
        if !line.starts_with(b"OK ") {
            let said = String::from_utf8_lossy(&line).trim().to_string();
            return Err(Fault::Broken(format!(
                "the session bus refused awsmfa ({})",
                if said.is_empty() { "it hung up" } else { &said }
            )));
        }
        self.greeted = true;
        Ok(())
    }

    /// Bounds the socket's reads and writes by `deadline`.
    fn arm(&mut self, deadline: Instant) {
        self.socket.get_mut().deadline = deadline;
    }

    fn write(&mut self, bytes: &[u8], deadline: Instant) -> Answer<()> {
        self.arm(deadline);
        self.socket.get_mut().write_all(bytes).map_err(Fault::io)
    }

    /// A method call's serial and bytes; `body` is already marshalled for `signature`.
    fn message(&mut self, call: &Call, signature: &str, body: &[u8]) -> (u32, Vec<u8>) {
        self.serial += 1;
        let mut buf = vec![b'l', METHOD_CALL, 0, 1];
        buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
        buf.extend_from_slice(&self.serial.to_le_bytes());
        buf.extend_from_slice(&[0; 4]);
        put_field(&mut buf, PATH, b'o', call.path);
        put_field(&mut buf, INTERFACE, b's', call.interface);
        put_field(&mut buf, MEMBER, b's', call.member);
        put_field(&mut buf, DESTINATION, b's', call.destination);
        if !signature.is_empty() {
            put_field(&mut buf, SIGNATURE, b'g', signature);
        }
        let fields = (buf.len() - 16) as u32;
        buf[12..16].copy_from_slice(&fields.to_le_bytes());
        pad(&mut buf, 8);
        buf.extend_from_slice(body);
        (self.serial, buf)
    }

    /// Sends a call without waiting for its answer; returns its serial for `answer`. `body`
    /// is a tuple for several arguments, `signature` theirs without the parentheses.
    pub fn send<B: Serialize + Type>(
        &mut self,
        call: &Call,
        signature: &str,
        body: &B,
        deadline: Instant,
    ) -> Answer<u32> {
        let bytes = if signature.is_empty() {
            Vec::new()
        } else {
            zvariant::to_bytes(Context::new_dbus(LE, 0), body)
                .map_err(|e| Fault::Broken(e.to_string()))?
                .bytes()
                .to_vec()
        };
        let (serial, msg) = self.message(call, signature, &bytes);
        self.write(&msg, deadline)?;
        Ok(serial)
    }

    /// Sends a call and waits for its answer.
    pub fn call<B: Serialize + Type>(
        &mut self,
        call: &Call,
        signature: &str,
        body: &B,
        deadline: Instant,
    ) -> Answer<Message> {
        let serial = self.send(call, signature, body, deadline)?;
        self.answer(serial, deadline)
    }

    /// The answer to the call `serial`; a D-Bus error is a `Refused`.
    pub fn answer(&mut self, serial: u32, deadline: Instant) -> Answer<Message> {
        loop {
            let msg = match self.early.remove(&serial) {
                Some(msg) => msg,
                None => self.read(deadline)?,
            };
            match msg.kind {
                METHOD_RETURN | ERROR if msg.reply_serial == serial => {
                    if msg.kind == METHOD_RETURN {
                        return Ok(msg);
                    }
                    let text = msg.body::<String>().unwrap_or_default();
                    return Err(Fault::Refused(msg.error_name, text));
                }
                METHOD_RETURN | ERROR => {
                    self.early.insert(msg.reply_serial, msg);
                }
                SIGNAL => self.signals.push(msg),
                _ => {}
            }
        }
    }

    /// The next message on the bus, within `deadline`.
    pub fn read(&mut self, deadline: Instant) -> Answer<Message> {
        self.greeting(deadline)?;
        self.arm(deadline);
        let mut fixed = [0u8; 16];
        self.socket.read_exact(&mut fixed).map_err(Fault::io)?;
        let little = match fixed[0] {
            b'l' => true,
            b'B' => false,
            _ => return Err(Fault::Broken("the session bus speaks no D-Bus".into())),
        };
        let u32_at = |b: &[u8], i: usize| {
            let v: [u8; 4] = b[i..i + 4].try_into().unwrap();
            if little {
                u32::from_le_bytes(v)
            } else {
                u32::from_be_bytes(v)
            }
        };
        let body_len = u32_at(&fixed, 4) as usize;
        let fields_len = u32_at(&fixed, 12) as usize;
        // The bus caps messages at 128 MiB; a Secret Service answer is far smaller.
        if body_len + fields_len > 1 << 24 {
            return Err(Fault::Broken("an oversized message on the bus".into()));
        }
        let header_end = (16 + fields_len).div_ceil(8) * 8;
        let mut rest = vec![0u8; header_end - 16 + body_len];
        self.socket.read_exact(&mut rest).map_err(Fault::io)?;
        let mut msg = Message {
            kind: fixed[1],
            reply_serial: 0,
            sender: String::new(),
            path: String::new(),
            interface: String::new(),
            member: String::new(),
            error_name: String::new(),
            little,
            body: rest.split_off(header_end - 16),
        };
        // The header fields: (code, variant) structs, each 8-aligned from the message start.
        let fields = &rest[..fields_len];
        let mut i = 0;
        let at = |i: usize| i + 16;
        while i + 4 <= fields.len() {
            let code = fields[i];
            let sig_len = fields[i + 1] as usize;
            let kind = fields.get(i + 2).copied().unwrap_or(0);
            i += 3 + sig_len;
            let value = match kind {
                b's' | b'o' => {
                    i += (4 - at(i) % 4) % 4;
                    let Some(len) = fields.get(i..i + 4).map(|_| u32_at(fields, i) as usize) else {
                        break;
                    };
                    let text = fields.get(i + 4..i + 4 + len).unwrap_or_default();
                    i += 4 + len + 1;
                    Some(String::from_utf8_lossy(text).into_owned())
                }
                b'g' => {
                    let len = fields.get(i).copied().unwrap_or(0) as usize;
                    i += 1 + len + 1;
                    None
                }
                b'u' => {
                    i += (4 - at(i) % 4) % 4;
                    if i + 4 > fields.len() {
                        break;
                    }
                    if code == REPLY_SERIAL {
                        msg.reply_serial = u32_at(fields, i);
                    }
                    i += 4;
                    None
                }
                _ => break,
            };
            match (code, value) {
                (PATH, Some(v)) => msg.path = v,
                (INTERFACE, Some(v)) => msg.interface = v,
                (MEMBER, Some(v)) => msg.member = v,
                (SENDER, Some(v)) => msg.sender = v,
                (ERROR_NAME, Some(v)) => msg.error_name = v,
                _ => {}
            }
            i += (8 - at(i) % 8) % 8;
        }
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            sockets("unix:path=/run/user/1000/bus"),
            vec![(false, "/run/user/1000/bus".into())]
        );
        assert_eq!(
            sockets("unix:abstract=/tmp/dbus-x,guid=ab;unix:path=/tmp/a%2cb"),
            vec![(true, "/tmp/dbus-x".into()), (false, "/tmp/a,b".into())]
        );
        assert!(sockets("tcp:host=localhost,port=1").is_empty());
    }

    #[test]
    fn the_users_bus_is_a_socket_of_theirs_in_a_private_folder() {
        const SOCK: u32 = libc::S_IFSOCK | 0o755;
        const DIR: u32 = libc::S_IFDIR;
        assert_eq!(refusal(1000, (1000, DIR | 0o700), (1000, SOCK)), None);
        assert_eq!(refusal(1000, (1000, DIR | 0o755), (1000, SOCK)), None);
        assert_eq!(
            refusal(1000, (1000, DIR | 0o700), (1000, libc::S_IFLNK | 0o777)),
            Some("it is a symbolic link")
        );
        assert_eq!(
            refusal(1000, (1000, DIR | 0o700), (1000, libc::S_IFREG | 0o600)),
            Some("it is not a socket")
        );
        assert_eq!(
            refusal(1000, (1000, DIR | 0o700), (1001, SOCK)),
            Some("it belongs to another user")
        );
        assert_eq!(
            refusal(1000, (0, DIR | 0o700), (1000, SOCK)),
            Some("its folder belongs to another user")
        );
        for open in [0o777, 0o1777, 0o720, 0o702] {
            assert_eq!(
                refusal(1000, (1000, DIR | open), (1000, SOCK)),
                Some("its folder is writable by others"),
                "{open:o}"
            );
        }
    }

    /// A call's bytes, read back by the parser as a bus would send them.
    #[test]
    fn a_message_reads_back() {
        let (a, b) = UnixStream::pair().unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let timed = |stream| BufReader::new(Timed { stream, deadline });
        let mut bus = Bus {
            socket: timed(a),
            serial: 6,
            early: HashMap::new(),
            signals: Vec::new(),
            greeted: true,
        };
        let call = Call {
            destination: "org.freedesktop.secrets",
            path: "/org/freedesktop/secrets",
            interface: "org.freedesktop.Secret.Service",
            member: "SearchItems",
        };
        let attrs: HashMap<&str, &str> = [("service", "awsmfa")].into();
        let mut peer = Bus {
            socket: timed(b),
            serial: 0,
            early: HashMap::new(),
            signals: Vec::new(),
            greeted: true,
        };
        assert_eq!(bus.send(&call, "a{ss}", &attrs, deadline).unwrap(), 7);
        let msg = peer.read(deadline).unwrap();
        assert_eq!(msg.kind, METHOD_CALL);
        assert_eq!(msg.path, "/org/freedesktop/secrets");
        assert_eq!(msg.member, "SearchItems");
        assert_eq!(
            msg.body::<HashMap<String, String>>().unwrap()["service"],
            "awsmfa"
        );
        assert_eq!(msg.interface, "org.freedesktop.Secret.Service");
        assert_eq!(msg.sender, "");

        // A signal as the bus delivers it, with the sender it sets.
        let mut signal = vec![b'l', SIGNAL, 0, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0];
        put_field(
            &mut signal,
            PATH,
            b'o',
            "/org/freedesktop/secrets/prompt/u1",
        );
        put_field(
            &mut signal,
            INTERFACE,
            b's',
            "org.freedesktop.Secret.Prompt",
        );
        put_field(&mut signal, MEMBER, b's', "Completed");
        put_field(&mut signal, SENDER, b's', ":1.42");
        let fields = (signal.len() - 16) as u32;
        signal[12..16].copy_from_slice(&fields.to_le_bytes());
        pad(&mut signal, 8);
        bus.write(&signal, deadline).unwrap();
        let msg = peer.read(deadline).unwrap();
        assert_eq!(msg.kind, SIGNAL);
        assert_eq!(msg.sender, ":1.42");
        assert_eq!(msg.interface, "org.freedesktop.Secret.Prompt");
        assert_eq!(msg.member, "Completed");
        assert_eq!(msg.path, "/org/freedesktop/secrets/prompt/u1");
    }
}
