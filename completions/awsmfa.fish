# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_awsmfa_global_optspecs
    string join \n aws-credentials= d/duration= i/identity-profile= serial-number= t/target-profile= role-session-name= c/token-code= rotate-identity-keys env shell= h/help V/version
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

complete -c awsmfa -n "__fish_awsmfa_needs_command" -l aws-credentials -d 'Credentials file to read the identity from and write the target to [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s d -l duration -d 'Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s i -l identity-profile -d 'Profile holding the long-lived access keys' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l serial-number -d 'MFA device ARN [default: discovered with iam:ListMFADevices]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s t -l target-profile -d 'Profile that receives the temporary credentials' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l role-session-name -d 'Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s c -l token-code -d 'The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]' -r
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l shell -d 'Syntax of the --env code [default: from $SHELL, else sh]' -r -f -a "bash\t''
zsh\t''
fish\t''
sh\t''"
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l rotate-identity-keys -d 'Replace the identity profile\'s access key after getting the credentials'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -l env -d 'Also print shell code that exports the credentials, for `eval "$(awsmfa --env)"`'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -s V -l version -d 'Print version'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "init" -d 'Print the shell integration; add `eval "$(awsmfa init zsh)"` to your shell\'s rc file'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "prompt" -d 'Print the remaining lifetime of the credentials in use, for prompts and status lines'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "completions" -d 'Print a static completion script (the init scripts complete dynamically instead)'
complete -c awsmfa -n "__fish_awsmfa_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand init" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -s t -l target-profile -d 'Profile whose `expiration` counts when AWS_CREDENTIAL_EXPIRATION is unset' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l aws-credentials -d 'Credentials file [default: ~/.aws/credentials]' -r -F
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l format -d 'Text while valid; fields {remaining} (5h59m), {seconds}, {expiration} (RFC 3339)' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l expired-format -d 'Text once expired' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l warn -d 'Seconds left below which the segment turns yellow' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l critical -d 'Seconds left below which the segment turns red' -r
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -l color -d 'Colour the text: green, yellow below --warn, red below --critical (NO_COLOR wins)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand prompt" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand completions" -s h -l help -d 'Print help'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt completions help" -f -a "init" -d 'Print the shell integration; add `eval "$(awsmfa init zsh)"` to your shell\'s rc file'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt completions help" -f -a "prompt" -d 'Print the remaining lifetime of the credentials in use, for prompts and status lines'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt completions help" -f -a "completions" -d 'Print a static completion script (the init scripts complete dynamically instead)'
complete -c awsmfa -n "__fish_awsmfa_using_subcommand help; and not __fish_seen_subcommand_from init prompt completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
