//! A HOME of the test's own, the clean environment programs run in there, and what a run of
//! the binary did.

use super::fake::Fake;
use super::moto::{Moto, User};
use super::process::bin;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// What a run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// A failure: exactly one `awsmfa: error:` line containing `needle`, nothing on stdout.
    #[track_caller]
    pub fn fails(&self, code: i32, needle: &str) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stdout, "", "stdout must stay empty on failure");
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("awsmfa: error: "))
            .collect();
        assert_eq!(errors.len(), 1, "one error line expected: {}", self.stderr);
        assert!(
            errors[0].contains(needle),
            "{needle:?} not in {:?}",
            errors[0]
        );
        assert!(!self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"));
        self
    }
}

/// A HOME of the test's own, with `~/.aws/credentials` and the binary's environment.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub endpoint: String,
    pub env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new(endpoint: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        Sandbox {
            dir,
            endpoint: endpoint.to_string(),
            env: Vec::new(),
        }
    }

    /// A sandbox whose credentials file holds `user` as the identity profile.
    pub fn with_user(moto: &Moto, user: &User) -> Sandbox {
        let sb = Sandbox::new(&moto.url);
        sb.write_creds(&user.identity_section());
        sb
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn creds_path(&self) -> PathBuf {
        self.home().join(".aws/credentials")
    }

    pub fn write_creds(&self, text: &str) {
        std::fs::write(self.creds_path(), text).unwrap();
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.home().join(".aws/config"), text).unwrap();
    }

    pub fn creds(&self) -> String {
        std::fs::read_to_string(self.creds_path()).unwrap()
    }

    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// `program` (any program) in the sandbox's clean environment: only what a user's shell
    /// would plausibly have — PATH, HOME pointing at the sandbox, NO_PROXY for 127.0.0.1,
    /// AWS_EC2_METADATA_DISABLED — then what `set` added, then the endpoint in
    /// AWS_ENDPOINT_URL (unless it is empty); stdin is /dev/null. Set more on the command to
    /// add or override; it keeps the test's terminal (`command` detaches the binary from it).
    pub fn program(&self, program: &str) -> Command {
        self.clean().program(program)
    }

    /// The clean environment as it is now, as a value of its own, for a helper that outlives
    /// a borrow of the sandbox; later `set`s do not reach it.
    pub fn clean(&self) -> Clean {
        Clean {
            home: self.home().to_path_buf(),
            endpoint: self.endpoint.clone(),
            env: self.env.clone(),
        }
    }

    /// The binary in the clean environment, with no controlling terminal.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.program(bin());
        cmd.args(args);
        // SAFETY: setsid only detaches the child from our terminal, so /dev/tty is absent.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }
}

/// `awsmfa serve` running in a sandbox, its output read line by line as it prints it; ended
/// (SIGTERM, then waited for) when dropped.
pub struct Serving {
    child: Child,
    lines: Receiver<String>,
}

impl Serving {
    /// The next line serve prints, or `None` after 5 s without one.
    pub fn line(&self) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(5)).ok()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the awsmfa the test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Sandbox {
    /// `awsmfa serve ARGS` in the sandbox.
    pub fn serve(&self, args: &[&str]) -> Serving {
        let mut child = self
            .command(&[&["serve"], args].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = tx.send(line.unwrap());
            }
        });
        Serving { child, lines }
    }

    /// Starts `awsmfa exec --server -c 123456 -- sh -c SCRIPT` and waits until SCRIPT has
    /// created `$HOME/ready`.
    pub fn exec_server(&self, script: &str) -> Child {
        let child = self
            .command(&["exec", "--server", "-c", "123456", "--", "sh", "-c", script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        super::util::wait_for(&self.home().join("ready"));
        child
    }
}

/// A sandbox for a new user with `config` as ~/.aws/config, behind a counting proxy.
pub fn with_config(config: &str) -> (Fake, Sandbox, User) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    sb.write_config(&config.replace("SERIAL", &user.serials[0]));
    (proxy, sb, user)
}

/// A sandbox's clean environment (see `Sandbox::program`), detached from the sandbox.
#[derive(Clone)]
pub struct Clean {
    home: PathBuf,
    endpoint: String,
    env: Vec<(String, String)>,
}

impl Clean {
    /// `program` in this environment; as `Sandbox::program`.
    pub fn program(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("NO_PROXY", "127.0.0.1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if !self.endpoint.is_empty() {
            cmd.env("AWS_ENDPOINT_URL", &self.endpoint);
        }
        cmd
    }
}
