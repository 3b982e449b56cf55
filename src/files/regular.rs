//! Reading a file someone else may have named: `AWS_CONFIG_FILE=/dev/zero` would grow memory
//! without end, a FIFO or `/dev/stdin` would block forever — and the prompt hook with it. So
//! every file awsmfa reads is opened without blocking (a FIFO opens at once, with no writer),
//! judged by what was opened (no gap between a check and the open), and read only when it is a
//! regular file, up to a size no AWS file comes near.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Larger than any credentials, config or cache file a person or awsmfa writes.
pub const MAX_BYTES: u64 = 16 << 20;

/// The bytes of `path`. A directory is `IsADirectory`, anything else that is not a regular file
/// `InvalidInput` and a file over `MAX_BYTES` `FileTooLarge`, each saying what it is.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let (file, size) = open(path)?;
    capped(file, size, Vec::new())
}

/// `read`, or `None` when the file is byte for byte `known`: compared as it is read, so that
/// a big file that did not change is not held twice in memory.
pub fn read_unless(path: &Path, known: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let (mut file, size) = open(path)?;
    if size != known.len() as u64 {
        return capped(file, size, Vec::new()).map(Some);
    }
    let mut chunk = vec![0; 64 << 10];
    let mut same = 0;
    loop {
        let n = match file.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            // Shorter than `known`: cut while it was read.
            return Ok((same < known.len()).then(|| known[..same].to_vec()));
        }
        if known.get(same..same + n) != Some(&chunk[..n]) {
            let mut bytes = known[..same].to_vec();
            bytes.extend_from_slice(&chunk[..n]);
            return capped(file, size, bytes).map(Some);
        }
        same += n;
    }
}

/// The regular file at `path`, open, and its size. A directory is `IsADirectory`, anything
/// else that is not a regular file `InvalidInput`.
fn open(path: &Path) -> io::Result<(File, u64)> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(io::Error::new(ErrorKind::IsADirectory, "it is a directory"));
    }
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "something"
        };
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file"),
        ));
    }
    Ok((file, meta.len()))
}

/// `bytes` and the rest of `file`, which `size` says is how large: read into one allocation of
/// that size, not grown by doubling.
fn capped(file: File, size: u64, mut bytes: Vec<u8>) -> io::Result<Vec<u8>> {
    // One byte more than allowed tells a file at the cap from one past it, even one that grows
    // while it is read.
    let room = (MAX_BYTES + 1).saturating_sub(bytes.len() as u64);
    let want = size.min(MAX_BYTES) as usize + 1;
    bytes.reserve_exact(want.saturating_sub(bytes.len()));
    file.take(room).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(io::Error::new(
            ErrorKind::FileTooLarge,
            format!("it is larger than {} MiB", MAX_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

/// `read` as UTF-8 text; other bytes are `InvalidData`.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?)
        .map_err(|_| io::Error::new(ErrorKind::InvalidData, "it is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(&file, "[default]\n").unwrap();
        assert_eq!(read_to_string(&file).unwrap(), "[default]\n");

        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read(&fifo).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("a FIFO"), "{e}");

        let e = read(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        assert_eq!(
            read(dir.path()).unwrap_err().kind(),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            read(&dir.path().join("missing")).unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }

    /// A file compared with what was read before, across several chunks: the same bytes are
    /// `None`; a change anywhere, of the same size or not, is the file as it is now.
    #[test]
    fn an_unchanged_file_is_compared_not_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials");
        let known: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&file, &known).unwrap();
        assert_eq!(read_unless(&file, &known).unwrap(), None);
        for at in [0, 65_535, 65_536, 150_000, 199_999] {
            let mut changed = known.clone();
            changed[at] = b'#';
            std::fs::write(&file, &changed).unwrap();
            assert_eq!(read_unless(&file, &known).unwrap(), Some(changed), "{at}");
        }
        for len in [0, 100_000, 200_001] {
            let mut other = known.clone();
            other.resize(len, b'+');
            std::fs::write(&file, &other).unwrap();
            assert_eq!(read_unless(&file, &known).unwrap(), Some(other), "{len}");
        }
        let e = read_unless(Path::new("/dev/zero"), &known).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
    }

    #[test]
    fn files_past_the_cap_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("big");
        let f = File::create(&file).unwrap();
        f.set_len(MAX_BYTES).unwrap();
        assert_eq!(read(&file).unwrap().len() as u64, MAX_BYTES);
        f.set_len(MAX_BYTES + 1).unwrap();
        assert_eq!(read(&file).unwrap_err().kind(), ErrorKind::FileTooLarge);
        std::fs::write(&file, [0xff, 0xfe]).unwrap();
        assert_eq!(
            read_to_string(&file).unwrap_err().kind(),
            ErrorKind::InvalidData
        );
    }
}
