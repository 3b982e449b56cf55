# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_awsmfa_global_optspecs
    string join \n profile= aws-credentials= d/duration= i/identity-profile= serial-number= role-session-name= c/token-code= mfa-process= no-cache t/target-profile= rotate-identity-keys env shell= h/help V/version
end

function __fish_awsmfa_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_awsmfa_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_awsmfa_using_subcommand
    set -l cmd (__fish_awsmfa_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c awsmfa -n "__fish_awsmfa_needs_command" -l profile -d 'Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l mfa-process -d 'Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s t -l target-profile -d 'Profile that receives the temporary credentials (and whose expiration prompts show)' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l shell -d 'Syntax of the --env code: fish, nu (a record for load-env), or POSIX for bash, zsh and sh (the same code) [default: sh, whatever $SHELL is]' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''
sh\t''"
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l no-cache -d 'Neither reuse nor cache an MFA session; assume roles directly with MFA'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l rotate-identity-keys -d 'Then replace the identity profile\'s access key (as `awsmfa rotate` does)'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l env -d 'Also print shell code that exports the credentials, for `eval "$(awsmfa --env)"`'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s V -l version -d 'Print version'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "init" -d 'Print the shell integration; add `eval "$(awsmfa init zsh)"` to your shell\'s rc file'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "prompt" -d 'Print the remaining lifetime of the credentials in use, for prompts and status lines'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "refresh" -d 'Renew the credentials this shell holds without asking for an MFA code (exit 3: a code is needed)'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "forget" -d 'Delete cached MFA sessions: all, or the identity profile\'s with -i'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "rotate" -d 'Replace the identity profile\'s access key (new key written and proven before the old is deleted)'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "credential-process" -d 'Print credentials as JSON for `credential_process = awsmfa credential-process --profile NAME`'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "exec" -d 'Run a command with the credentials in its environment: awsmfa exec [ROLE_ARN] -- CMD ARGS...'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "console" -d 'Open the AWS console signed in as a role: awsmfa console [ROLE_ARN | --profile NAME]'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "serve" -d 'Serve credentials on 127.0.0.1 to IDEs, notebooks and containers until interrupted'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "status" -d 'Show every profile, its kind, key id (masked) and time left, and the cached MFA sessions'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "keys" -d 'Keep the identity\'s long-lived keys in the OS keyring: import, export, forget'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "policies" -d 'Print the IAM policy starter kit (a CloudFormation template); docs/policies.md says how to deploy it'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "completions" -d 'Print a static completion script (the init scripts complete dynamically instead)'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand init" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -s t -l target-profile -d 'Profile that receives the temporary credentials (and whose expiration prompts show)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l format -d 'Text while valid; fields {remaining} (5h59m), {seconds}, {expiration} (RFC 3339)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l expired-format -d 'Text once expired' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l warn -d 'Seconds left below which the segment turns yellow' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l critical -d 'Seconds left below which the segment turns red' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l color -d 'Colour the text: green, yellow below --warn, red below --critical (NO_COLOR wins)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand refresh" -l shell -d 'Syntax of the shell code: fish, nu (a record for load-env), or POSIX for bash, zsh and sh (the same code) [default: sh, whatever $SHELL is]' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''
sh\t''"
complete -c awsmfa -n "__fish_awsmfa_using_subcommand refresh" -l timeout -d 'Give up on an AWS call after SECONDS (the shell hook allows a few)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand refresh" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand forget" -s i -l identity-profile -d 'Only this identity profile\'s session' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand forget" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand forget" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -l profile -d 'Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -l mfa-process -d 'Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -l no-cache -d 'Neither reuse nor cache an MFA session; assume roles directly with MFA'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand rotate" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -l profile -d 'Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -l mfa-process -d 'Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -l no-cache -d 'Neither reuse nor cache an MFA session; assume roles directly with MFA'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand credential-process" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l profile -d 'Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l mfa-process -d 'Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l no-cache -d 'Neither reuse nor cache an MFA session; assume roles directly with MFA'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -l server -d 'Serve the credentials to CMD from a local server that renews them while it runs, instead of fixed keys in its environment'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand exec" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l profile -d 'Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l mfa-process -d 'Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l region -d 'Console region [default: the region of awsmfa\'s calls: AWS_REGION, the profiles\', us-east-1]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l destination -d 'Console page to open, e.g. /s3/home or /ec2/home#Instances: [default: the console home]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l no-cache -d 'Neither reuse nor cache an MFA session; assume roles directly with MFA'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -l print -d 'Print the sign-in URL instead of opening it; anyone who has the URL is signed in as the role'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand console" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l profile -d 'Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l mfa-process -d 'Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l port -d 'Port to listen on [default: a free one]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l shell -d 'Syntax of the variables printed: fish, or POSIX for bash, zsh and sh [default: sh, whatever $SHELL is]' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''
sh\t''"
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -l no-cache -d 'Neither reuse nor cache an MFA session; assume roles directly with MFA'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand serve" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand status" -l json -d 'Machine-readable output'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand status" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and not __fish_seen_subcommand_from import export forget help" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and not __fish_seen_subcommand_from import export forget help" -f -a "import" -d 'Move the identity profile\'s keys into the OS keyring (checked with AWS, stored and read back first)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and not __fish_seen_subcommand_from import export forget help" -f -a "export" -d 'Move them back from the OS keyring into the credentials file'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and not __fish_seen_subcommand_from import export forget help" -f -a "forget" -d 'Delete them from the OS keyring (after asking), leaving the profile without keys'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and not __fish_seen_subcommand_from import export forget help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from import" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from import" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from export" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from export" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from forget" -s i -l identity-profile -d 'Profile holding the long-lived access keys [default: identity]' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from forget" -l aws-credentials -d 'Credentials file: identities are read and targets written there [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from forget" -l yes -d 'Do not ask (for scripts): the keys may exist nowhere else'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from forget" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "import" -d 'Move the identity profile\'s keys into the OS keyring (checked with AWS, stored and read back first)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "export" -d 'Move them back from the OS keyring into the credentials file'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "forget" -d 'Delete them from the OS keyring (after asking), leaving the profile without keys'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand policies" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand completions" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "init" -d 'Print the shell integration; add `eval "$(awsmfa init zsh)"` to your shell\'s rc file'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "prompt" -d 'Print the remaining lifetime of the credentials in use, for prompts and status lines'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "refresh" -d 'Renew the credentials this shell holds without asking for an MFA code (exit 3: a code is needed)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "forget" -d 'Delete cached MFA sessions: all, or the identity profile\'s with -i'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "rotate" -d 'Replace the identity profile\'s access key (new key written and proven before the old is deleted)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "credential-process" -d 'Print credentials as JSON for `credential_process = awsmfa credential-process --profile NAME`'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "exec" -d 'Run a command with the credentials in its environment: awsmfa exec [ROLE_ARN] -- CMD ARGS...'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "console" -d 'Open the AWS console signed in as a role: awsmfa console [ROLE_ARN | --profile NAME]'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "serve" -d 'Serve credentials on 127.0.0.1 to IDEs, notebooks and containers until interrupted'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "status" -d 'Show every profile, its kind, key id (masked) and time left, and the cached MFA sessions'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "keys" -d 'Keep the identity\'s long-lived keys in the OS keyring: import, export, forget'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "policies" -d 'Print the IAM policy starter kit (a CloudFormation template); docs/policies.md says how to deploy it'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "completions" -d 'Print a static completion script (the init scripts complete dynamically instead)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt refresh forget rotate credential-process exec console serve status keys policies completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "import" -d 'Move the identity profile\'s keys into the OS keyring (checked with AWS, stored and read back first)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "export" -d 'Move them back from the OS keyring into the credentials file'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "forget" -d 'Delete them from the OS keyring (after asking), leaving the profile without keys'
