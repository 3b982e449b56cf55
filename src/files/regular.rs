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
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let kind = file.metadata()?.file_type();
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
    capped(file)
}

fn capped(file: File) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    // One byte more than allowed tells a file at the cap from one past it, even one that grows
    // while it is read.
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
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
