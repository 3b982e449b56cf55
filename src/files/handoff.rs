//! Handing a secret URL to a browser without putting it in a process list: a program's
//! arguments are readable by every local user (`ps`, /proc/PID/cmdline) for as long as it runs,
//! so the opener is given a private local page that redirects to the URL instead. The page is
//! 0600 in a fresh 0700 folder, and is removed once the browser has read it (or after a grace
//! period), when the `Handoff` is dropped.

use crate::error::{Error, Result};
use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Handoff {
    dir: PathBuf,
    page: PathBuf,
    /// Reads of the page, as inotify reports them; `None` where it is not available.
    reads: Option<OwnedFd>,
}

/// The page that sends its reader on to `url`, with no referrer: the URL is the only thing in
/// it, escaped for HTML.
pub fn page(url: &str) -> String {
    let url = url
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={url}\"><title>AWS console</title></head>\
         <body><a href=\"{url}\">Open the AWS console</a></body></html>\n"
    )
}

/// A fresh 0700 folder of this user's: in XDG_RUNTIME_DIR (the user's own) when there is one,
/// else in the temporary folder.
fn private_dir() -> std::io::Result<PathBuf> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let template = CString::new(base.join("awsmfa-XXXXXX").as_os_str().as_bytes())
        .map_err(std::io::Error::other)?;
    let mut bytes = template.into_bytes_with_nul();
    // SAFETY: mkdtemp edits the NUL-terminated template in place; it stays alive throughout.
    if unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) }.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    bytes.pop();
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

/// Watches `path` for reads that end (IN_CLOSE_NOWRITE).
fn watch(path: &Path) -> Option<OwnedFd> {
    // SAFETY: inotify_init1 returns a new descriptor or -1.
    let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
    if fd < 0 {
        return None;
    }
    // SAFETY: fd was just returned to us and is owned from here.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: a valid descriptor and a NUL-terminated path.
    let wd = unsafe { libc::inotify_add_watch(fd.as_raw_fd(), c.as_ptr(), libc::IN_CLOSE_NOWRITE) };
    (wd >= 0).then_some(fd)
}

impl Handoff {
    /// Writes the page for `url`.
    pub fn create(url: &str) -> Result<Handoff> {
        let failed = |e: std::io::Error| {
            Error::runtime(format!(
                "cannot write the private page that opens the console ({e}); use `awsmfa \
                 console --print` and open the URL yourself"
            ))
        };
        let dir = private_dir().map_err(failed)?;
        let page = dir.join("console.html");
        let mut handoff = Handoff {
            dir,
            page,
            reads: None,
        };
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&handoff.page)
            .and_then(|mut f| f.write_all(self::page(url).as_bytes()))
            .map_err(failed)?;
        handoff.reads = watch(&handoff.page);
        Ok(handoff)
    }

    /// The page, to hand to the opener.
    pub fn path(&self) -> &Path {
        &self.page
    }

    /// Waits, up to `grace`, for the page to be read once more from now: a browser the opener
    /// handed it to reads it after the opener has ended.
    pub fn wait_for_reader(&self, grace: Duration) {
        let Some(fd) = &self.reads else {
            std::thread::sleep(grace);
            return;
        };
        let mut buf = [0u8; 4096];
        // Reads so far (the opener's own, sniffing the type) are not the browser's.
        // SAFETY: reads into a buffer of the length given, from our descriptor.
        while unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = i32::try_from(grace.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one pollfd, alive for the call.
        unsafe { libc::poll(&mut poll, 1, ms) };
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.page);
        let _ = fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_page_redirects_to_the_url_escaped() {
        let p = page("https://s/f?Action=login&SigninToken=a%2Bb\"<x>");
        assert!(
            p.contains(
                "content=\"0;url=https://s/f?Action=login&amp;SigninToken=a%2Bb&quot;&lt;x&gt;\""
            ),
            "{p}"
        );
        assert!(p.contains("no-referrer"));
    }

    #[test]
    fn the_page_is_private_and_removed() {
        let h = Handoff::create("https://s/f?SigninToken=t").unwrap();
        let path = h.path().to_path_buf();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert!(fs::read_to_string(&path).unwrap().contains("SigninToken=t"));
        // A read from now on ends the wait at once.
        let reader = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                fs::read(path).unwrap()
            })
        };
        let start = std::time::Instant::now();
        h.wait_for_reader(Duration::from_secs(60));
        assert!(start.elapsed() < Duration::from_secs(30));
        reader.join().unwrap();
        drop(h);
        assert!(!path.exists() && !path.parent().unwrap().exists());
    }
}
