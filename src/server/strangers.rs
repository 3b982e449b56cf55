//! Connections that have not shown the token yet: any local user can open them. They get a
//! small budget of their own and a short deadline, so they never take the places of the
//! owner's connections; and when the budget is full, the oldest one that has nothing to be
//! read gives way to the new one, so that no flood keeps a new connection — the owner's among
//! them — from being read. The accept loop never waits for a place.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Mutex, PoisonError};

/// Connections without the token served at once: as many as the listen queue holds, so that
/// a client that opens many connections before its threads send their first requests (an SDK
/// with a pool under load) is never made to give way; past it, the oldest idle one does.
pub const MAX_STRANGERS: usize = 1024;

#[derive(Default)]
pub struct Strangers {
    /// The next id, and the connections (id, descriptor), oldest first.
    list: Mutex<(u64, VecDeque<(u64, RawFd)>)>,
}

/// A connection and, while it has not shown the token, its place among the strangers. The
/// place is given up before the socket closes (fields drop in order), so a descriptor in the
/// list is always the connection's own.
pub struct Conn {
    place: Option<Place>,
    pub stream: TcpStream,
}

struct Place {
    id: u64,
    strangers: Arc<Strangers>,
}

/// The id of a place already given up.
const LEFT: u64 = u64::MAX;

impl Drop for Place {
    fn drop(&mut self) {
        if self.id != LEFT {
            self.strangers.leave(self.id);
        }
    }
}

impl Conn {
    /// Whether the connection has yet to show the token.
    pub fn stranger(&self) -> bool {
        self.place.is_some()
    }

    /// The connection has shown the token: it leaves the strangers. `false` when it was
    /// already made to give way (its socket is shut).
    pub fn known(&mut self) -> bool {
        let Some(mut place) = self.place.take() else {
            return true;
        };
        let stayed = place.strangers.leave(place.id);
        place.id = LEFT;
        stayed
    }
}

/// Whether input waits on `fd`: a request on its way to be read.
fn pending(fd: RawFd) -> bool {
    let mut byte = 0u8;
    // SAFETY: a one-byte peek into a local buffer on a descriptor the list holds open.
    unsafe {
        libc::recv(
            fd,
            (&raw mut byte).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        ) > 0
    }
}

impl Strangers {
    /// Takes a new connection in, making the oldest stranger with nothing to be read give way
    /// (its socket shut, so its thread ends) when the budget is full.
    pub fn admit(self: &Arc<Self>, stream: TcpStream) -> Conn {
        let mut list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        if list.1.len() >= MAX_STRANGERS {
            let idle = list.1.iter().position(|&(_, fd)| !pending(fd));
            if let Some((_, fd)) = list.1.remove(idle.unwrap_or(0)) {
                // SAFETY: the descriptor is open: its connection leaves the list before it
                // closes, and that takes this lock.
                unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
            }
        }
        let id = list.0;
        list.0 += 1;
        list.1.push_back((id, stream.as_raw_fd()));
        Conn {
            place: Some(Place {
                id,
                strangers: self.clone(),
            }),
            stream,
        }
    }

    /// Removes connection `id`; `false` when it had already been made to give way.
    fn leave(&self, id: u64) -> bool {
        let mut list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        match list.1.iter().position(|&(i, _)| i == id) {
            Some(at) => {
                list.1.remove(at);
                true
            }
            None => false,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.list.lock().unwrap().1.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A connected pair: the client's end and the server's.
    fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (client, listener.accept().unwrap().0)
    }

    #[test]
    fn the_oldest_idle_stranger_gives_way_and_known_ones_leave() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let strangers = Arc::new(Strangers::default());
        let mut conns = Vec::new();
        let mut clients = Vec::new();
        for _ in 0..MAX_STRANGERS {
            let (client, server) = pair(&listener);
            conns.push(strangers.admit(server));
            clients.push(client);
        }
        // The oldest has sent a request: it is about to be read, the second oldest gives way.
        clients[0].write_all(b"GET / HTTP/1.1\r\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let (_, newest) = pair(&listener);
        let newest = strangers.admit(newest);
        assert_eq!(strangers.len(), MAX_STRANGERS);
        let mut buf = [0u8; 1];
        assert_eq!(clients[1].read(&mut buf).unwrap(), 0, "shut");
        assert!(!conns[1].known());
        assert!(conns[0].known() && !conns[0].stranger());
        assert_eq!(strangers.len(), MAX_STRANGERS - 1);
        drop(newest);
        drop(conns);
        assert_eq!(strangers.len(), 0);
    }
}
