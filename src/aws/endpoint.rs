//! Where awsmfa's STS and IAM calls go. The endpoint is the identity's: it comes from
//! AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, or the profiles awsmfa uses —
//! the `--profile` config profile, then the identity (its credentials-file section over its
//! config-file section, as botocore merges them). In each profile the service's entry in the
//! `services` section it names comes before its `endpoint_url`. The profile AWS_PROFILE or
//! AWS_DEFAULT_PROFILE names never decides: the SDK reads no profile file at all.
//! AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or `ignore_configured_endpoint_urls` in those
//! profiles) leaves AWS's own endpoints.

use crate::files::ini::Doc;
use std::path::Path;

/// A configured endpoint and where it is configured, for naming both in errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub url: String,
    pub origin: String,
}

/// One profile's endpoint settings, each with where it is set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Configured {
    pub ignore: Option<String>,
    pub url: Option<Endpoint>,
    /// The `services` section it names.
    pub services: Option<String>,
}

impl Configured {
    /// The settings of `[section]` in `doc` (the file at `path`).
    pub fn read(doc: &Doc, path: &Path, section: &str) -> Configured {
        Configured {
            ignore: doc
                .get(section, "ignore_configured_endpoint_urls")
                .map(str::to_string),
            url: doc
                .get(section, "endpoint_url")
                .filter(|u| !u.is_empty())
                .map(|url| Endpoint {
                    url: url.to_string(),
                    origin: format!("endpoint_url of [{section}] in {}", path.display()),
                }),
            services: doc
                .get(section, "services")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        }
    }

    /// Each setting from `self`, else from `other`.
    pub fn or(self, other: Configured) -> Configured {
        Configured {
            ignore: self.ignore.or(other.ignore),
            url: self.url.or(other.url),
            services: self.services.or(other.services),
        }
    }
}

/// Where the calls go: the region they are signed for, and each service's configured
/// endpoint (none: AWS's own for the region).
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    pub region: String,
    pub sts: Option<Endpoint>,
    pub iam: Option<Endpoint>,
}

/// The `[services NAME]` section of the config file, as botocore names them.
fn services_section<'d>(config: &'d Doc, name: &str) -> Option<&'d str> {
    config
        .sections()
        .find(|s| s.strip_prefix("services ").map(str::trim) == Some(name))
}

impl Site {
    /// The endpoints for `profiles`, highest precedence first, with `env` for the environment
    /// and `config` the config file (for `services` sections, keyed `sts` and `iam`).
    pub fn new(
        region: String,
        env: impl Fn(&str) -> Option<String>,
        profiles: &[Configured],
        config: Option<(&Doc, &Path)>,
    ) -> Site {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .or_else(|| profiles.iter().find_map(|p| p.ignore.clone()))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let endpoint = |service: &str| -> Option<Endpoint> {
            if ignore {
                return None;
            }
            let var = format!("AWS_ENDPOINT_URL_{}", service.to_uppercase());
            let from_env = |var: &str| {
                env(var).map(|url| Endpoint {
                    url,
                    origin: var.to_string(),
                })
            };
            let from_services = |p: &Configured| {
                let (doc, path) = config?;
                let section = services_section(doc, p.services.as_deref()?)?;
                let url = doc.nested(section, service, "endpoint_url")?;
                Some(Endpoint {
                    url: url.to_string(),
                    origin: format!(
                        "{service} endpoint_url of [{section}] in {}",
                        path.display()
                    ),
                })
            };
            from_env(&var)
                .or_else(|| from_env("AWS_ENDPOINT_URL"))
                .or_else(|| {
                    profiles
                        .iter()
                        .find_map(|p| from_services(p).or_else(|| p.url.clone()))
                })
        };
        Site {
            sts: endpoint("sts"),
            iam: endpoint("iam"),
            region,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
[profile top]
endpoint_url = http://top
[profile identity]
services = local
endpoint_url = http://identity
[services local]
iam =
  endpoint_url = http://local-iam
[profile evil]
endpoint_url = http://evil
";

    fn site(env: &[(&str, &str)], profiles: &[&str], creds: Option<&str>) -> (String, String) {
        let config = Doc::parse(CONFIG).unwrap();
        let path = Path::new("config");
        let mut list: Vec<Configured> = profiles
            .iter()
            .map(|p| Configured::read(&config, path, &format!("profile {p}")))
            .collect();
        if let Some(creds) = creds {
            let doc = Doc::parse(creds).unwrap();
            let own = Configured::read(&doc, Path::new("credentials"), "identity");
            let last = list.pop().unwrap_or_default();
            list.push(own.or(last));
        }
        let env = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        let s = Site::new("r".into(), env, &list, Some((&config, path)));
        let show =
            |e: Option<Endpoint>| e.map_or("AWS".into(), |e| format!("{} ({})", e.url, e.origin));
        (show(s.sts), show(s.iam))
    }

    #[test]
    fn the_environment_then_the_profile_then_the_identity() {
        assert_eq!(
            site(&[], &["identity"], None),
            (
                "http://identity (endpoint_url of [profile identity] in config)".into(),
                "http://local-iam (iam endpoint_url of [services local] in config)".into()
            )
        );
        let (sts, iam) = site(&[], &["top", "identity"], None);
        assert!(sts.starts_with("http://top ") && iam.starts_with("http://top "));
        let (sts, iam) = site(&[("AWS_ENDPOINT_URL", "http://env")], &["top"], None);
        assert_eq!(
            (sts.as_str(), iam.as_str()),
            (
                "http://env (AWS_ENDPOINT_URL)",
                "http://env (AWS_ENDPOINT_URL)"
            )
        );
        let (sts, iam) = site(
            &[
                ("AWS_ENDPOINT_URL", "http://env"),
                ("AWS_ENDPOINT_URL_IAM", "http://env-iam"),
            ],
            &["top"],
            None,
        );
        assert_eq!(
            (sts.as_str(), iam.as_str()),
            (
                "http://env (AWS_ENDPOINT_URL)",
                "http://env-iam (AWS_ENDPOINT_URL_IAM)"
            )
        );
        assert_eq!(site(&[], &[], None), ("AWS".into(), "AWS".into()));
        assert_eq!(
            site(&[("AWS_ENDPOINT_URL", "")], &[], None),
            ("AWS".into(), "AWS".into())
        );
    }

    #[test]
    fn the_credentials_file_section_comes_before_the_config_section() {
        let (sts, iam) = site(
            &[],
            &["identity"],
            Some("[identity]\nendpoint_url = http://creds\n"),
        );
        assert_eq!(
            sts,
            "http://creds (endpoint_url of [identity] in credentials)"
        );
        assert!(iam.starts_with("http://local-iam "), "{iam}");
    }

    #[test]
    fn ignoring_configured_endpoints_leaves_aws_own() {
        let on = [
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
            ("AWS_ENDPOINT_URL", "http://env"),
        ];
        assert_eq!(site(&on, &["top"], None), ("AWS".into(), "AWS".into()));
        let creds = "[identity]\nignore_configured_endpoint_urls = true\n";
        assert_eq!(
            site(&[], &["identity"], Some(creds)),
            ("AWS".into(), "AWS".into())
        );
        let off = [("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")];
        assert_ne!(site(&off, &["identity"], Some(creds)).0, "AWS");
    }
}
