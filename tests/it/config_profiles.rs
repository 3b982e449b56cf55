//! ~/.aws/config profiles: chains, botocore's reading, mistakes, durations, the region and the
//! endpoint a profile gives.

use crate::harness::*;

fn caller_arn(sb: &Sandbox, profile: &str) -> String {
    let text = sb.creds();
    let moto = Moto::shared();
    let sts = moto.sts_as(
        &value(&text, profile, "aws_access_key_id").unwrap(),
        &value(&text, profile, "aws_secret_access_key").unwrap(),
        value(&text, profile, "aws_session_token").as_deref(),
    );
    moto.run(sts.get_caller_identity().send())
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

#[test]
fn a_profile_chain_is_followed_with_every_key() {
    let moto = Moto::shared();
    let (base, top) = (moto.role(), moto.role());
    let config = format!(
        "[profile base]\nrole_arn = {base}\nsource_profile = identity\nexternal_id = ext-1\n\n\
         [profile top]\nrole_arn = {top}\nsource_profile = base\nrole_session_name = me-top\n\
         mfa_serial = SERIAL\nduration_seconds = 1800\nregion = eu-west-2\n"
    );
    let (proxy, sb, _) = with_config(&config);
    let run = sb.run(&["--profile", "top", "-c", "123456"]);
    run.ok();
    assert_expires_in(&run.stderr, 1799);
    assert_eq!(
        proxy.count("GetUser"),
        0,
        "mfa_serial came from the profile"
    );
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 2)
    );
    let assumed = proxy.bodies("AssumeRole");
    let base_name = base.rsplit('/').next().unwrap();
    assert!(
        assumed[0].contains(base_name) && assumed[0].contains("ExternalId=ext-1"),
        "{}",
        assumed[0]
    );
    assert!(assumed[1].contains("RoleSessionName=me-top") && !assumed[1].contains("ExternalId"));
    let arn = caller_arn(&sb, "default");
    assert!(
        arn.ends_with(&format!("{}/me-top", top.rsplit('/').next().unwrap())),
        "{arn}"
    );

    // Flags override the profile.
    sb.run(&["--profile", "top", "--role-session-name", "mine", "-t", "o"])
        .ok();
    assert!(caller_arn(&sb, "o").ends_with("/mine"));
    // Through the environment too.
    let mut env = Sandbox {
        env: vec![],
        ..Sandbox::new(&sb.endpoint)
    };
    env.dir = sb.dir;
    env.set("AWS_MFA_PROFILE", "base")
        .set("AWS_MFA_TARGET_PROFILE", "b");
    env.run(&[]).ok();
    assert!(caller_arn(&env, "b").contains(&format!(":assumed-role/{base_name}/awsmfa_")));
}

/// `--profile` reads ~/.aws/config as botocore does, as the endpoint settings already were: a
/// comment after the header and `key: value` mean what they mean to the AWS CLI.
#[test]
fn a_config_profile_is_read_as_botocore_reads_it() {
    let role = Moto::shared().role();
    let config = format!(
        "[profile team] # shared with the team\nrole_arn: {role}\nsource_profile = identity\n\
         Role_Session_Name: me-team\n"
    );
    let (proxy, sb, _) = with_config(&config);
    sb.run(&["--profile", "team", "-c", "123456"]).ok();
    assert_eq!(proxy.count("AssumeRole"), 1);
    let assumed = &proxy.bodies("AssumeRole")[0];
    assert!(assumed.contains("RoleSessionName=me-team"), "{assumed}");
    // A file botocore refuses is refused with its line, not half read.
    sb.write_config(&format!(
        "[profile team]\nrole_arn = {role}\nrole_arn = {role}\n"
    ));
    sb.run(&["--profile", "team", "-c", "123456"])
        .fails(1, "line 3: duplicate key");
}

#[test]
fn profile_mistakes_are_named() {
    let (_, sb, _) = with_config(
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n\
         [profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n\
         [profile lone]\nrole_arn = arn:aws:iam::123456789012:role/l\n\
         [profile long]\nrole_arn = arn:aws:iam::123456789012:role/l\nsource_profile = a2\n\
         [profile a2]\nrole_arn = arn:aws:iam::123456789012:role/a2\nsource_profile = identity\n",
    );
    sb.run(&["--profile", "a", "-c", "123456"])
        .fails(2, "form a cycle: a -> b -> a");
    sb.run(&["--profile", "lone", "-c", "123456"])
        .fails(2, "has role_arn but no source_profile");
    sb.run(&["--profile", "nope", "-c", "123456"])
        .fails(2, "no profile \"nope\"");
    sb.run(&["--profile", "long", "-c", "123456", "-d", "7200"])
        .fails(2, "caps each role of a chain at 3600 s");
}

#[test]
fn a_long_profile_duration_assumes_directly() {
    let role = Moto::shared().role();
    let (proxy, sb, _) = with_config(&format!(
        "[profile long]\nrole_arn = {role}\nsource_profile = identity\nduration_seconds = 7200\n"
    ));
    let run = sb.run(&["--profile", "long", "-c", "123456"]);
    run.ok();
    assert!(
        run.stderr.contains("AWS caps chained role sessions at 1 h"),
        "{}",
        run.stderr
    );
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (0, 1)
    );
    assert!(proxy.bodies("AssumeRole")[0].contains("TokenCode=123456"));
}

#[test]
fn the_region_comes_from_the_environment_the_profile_or_the_identity() {
    let fake = Fake::granting(crate::sts_answers::far());
    let identity = "[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n";
    let mut sb = Sandbox::new(&fake.url);
    // No region anywhere: STS's global endpoint's region.
    sb.write_creds(identity);
    sb.run(&["-c", "skip"]).ok();
    // The identity profile's region, then a config profile's, then the environment's.
    sb.write_creds(&format!("{identity}region = ap-south-1\n"));
    sb.run(&["-c", "skip"]).ok();
    sb.write_config("[profile identity]\nregion = eu-west-2\n");
    sb.run(&["-c", "skip", "--profile", "identity"]).ok();
    sb.set("AWS_DEFAULT_REGION", "us-west-1");
    sb.run(&["-c", "skip", "--profile", "identity"]).ok();
    sb.set("AWS_REGION", "ca-central-1");
    sb.run(&["-c", "skip", "--profile", "identity"]).ok();
    assert_eq!(
        fake.regions(),
        [
            "us-east-1",
            "ap-south-1",
            "eu-west-2",
            "us-west-1",
            "ca-central-1"
        ]
    );
}

#[test]
fn aws_mfa_duration_yields_to_a_profile_and_is_fitted_to_a_chain() {
    let moto = Moto::shared();
    let (base, top, own) = (moto.role(), moto.role(), moto.role());
    let (proxy, mut sb, _) = with_config(&format!(
        "[profile base]\nrole_arn = {base}\nsource_profile = identity\n\n\
         [profile top]\nrole_arn = {top}\nsource_profile = base\n\n\
         [profile own]\nrole_arn = {own}\nsource_profile = identity\nduration_seconds = 1800\n"
    ));
    sb.set("AWS_MFA_DURATION", "129600");
    let run = sb.run(&["--profile", "top", "-c", "123456", "-t", "top"]);
    run.ok();
    assert!(
        run.stderr.starts_with(
            "AWS_MFA_DURATION asks for 129600 s, more than AWS allows a chain of roles; asking \
             for 3600 s.\n"
        ),
        "{}",
        run.stderr
    );
    assert_expires_in(&run.stderr, 3599);
    // The profile's own duration_seconds comes before the variable: chained, no notice.
    let run = sb.run(&["--profile", "own", "-t", "own"]);
    run.ok();
    assert!(!run.stderr.contains("AWS_MFA_DURATION"), "{}", run.stderr);
    assert_expires_in(&run.stderr, 1799);
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 3)
    );
}

/// AWS_PROFILE and AWS_DEFAULT_PROFILE name a profile for the user's other tools: its
/// endpoint_url never receives the identity's keys and MFA code. The endpoint is the
/// identity's: AWS_ENDPOINT_URL, its config profile, its credentials-file section, or the
/// `--profile` it is used through.
#[test]
fn aws_profile_never_chooses_the_endpoint() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    // The hostile endpoint passes requests on to moto, so that only this count tells.
    let evil = Fake::proxy(&moto.url);
    let leaked = || evil.requests.load(std::sync::atomic::Ordering::SeqCst);
    let mut sb = Sandbox::new(&moto.url);
    sb.set("AWS_PROFILE", "evil")
        .set("AWS_DEFAULT_PROFILE", "evil");
    let hostile = format!(
        "[profile evil]\nendpoint_url = {0}\n[default]\nendpoint_url = {0}\n",
        evil.url
    );
    let config = sb.home().join(".aws/config");
    let identity = user.identity_section();
    let run = ["-c", "123456", "--no-cache"];
    let cases = [
        ("AWS_ENDPOINT_URL", identity.clone(), String::new()),
        (
            "[profile identity]",
            identity.clone(),
            format!("[profile identity]\nendpoint_url = {}\n", moto.url),
        ),
        (
            "the credentials file's [identity]",
            format!("{identity}endpoint_url = {}\n", moto.url),
            String::new(),
        ),
        (
            "--profile team",
            identity.clone(),
            format!(
                "[profile team]\nrole_arn = {role}\nsource_profile = identity\nendpoint_url = {}\n",
                moto.url
            ),
        ),
    ];
    for (case, creds, own) in cases {
        sb.write_creds(&creds);
        std::fs::write(&config, format!("{hostile}{own}")).unwrap();
        // Past the first case, the endpoint comes from the files alone.
        let args = match case {
            "--profile team" => [&run[..], &["--profile", "team"]].concat(),
            _ => run.to_vec(),
        };
        let result = sb.run(&args);
        sb.endpoint = String::new();
        assert_eq!(
            leaked(),
            0,
            "{case}: the identity's requests went to {}",
            evil.url
        );
        result.ok();
    }
}
