# awsmfa shell integration for fish. `awsmfa init fish` prints it with its
# placeholders (names between double colons) filled in from src/shell/contract.rs.
#
#   awsmfa init fish | source                   # in ~/.config/fish/config.fish
#   function fish_right_prompt; awsmfa_prompt; end
#
# While the credentials are far from expiry, drawing a prompt or running a
# command line starts no process: the clock is `path mtime --relative` of
# $AWSMFA_EXPIRATION_STAMP, a file whose mtime is the expiry, and math, string,
# set_color are builtins.
# fish < 3.5 has no `path` builtin: there the clock falls back to `date`.

# awsmfa: credential commands run in this shell, everything else straight through.
function awsmfa --description 'Temporary AWS credentials with MFA'
    # A completion request (COMPLETE=fish awsmfa -- WORDS: the registration below calls
    # this function, not the command) prints candidates, not code: it must never be sourced.
    if test -n "$COMPLETE"
        command awsmfa $argv
        return $status
    end
    # A subcommand, or output that is not code to eval (--env: the caller sources it, and
    # adding it again would be a usage error), goes to the binary as it is. The subcommand is
    # the first word that is neither an option nor an option's value (`awsmfa --profile x status`).
    # -h, -V, --env and --shell count in every spelling clap reads (`--hel`, `--sh=fish`, `-hV`).
    set -l first
    set -l skip 0
    for arg in $argv
        if test $skip = 1
            set skip 0
            continue
        end
        switch $arg
            case ::PASSTHROUGH:: ::PASSTHROUGH_PREFIXES::
                command awsmfa $argv
                return $status
            case ::VALUE_OPTIONS:: ::VALUE_ABBREVIATIONS::
                set skip 1
            case '-*'
            case '*'
                set -q first[1]; or set first $arg
        end
    end
    switch "$first"
        case ::SUBCOMMANDS::
            command awsmfa $argv
            return $status
    end
    # Only stdout (the code to eval) is captured: stdin and stderr stay on the
    # terminal for the MFA prompt and the messages.
    set -l out (command awsmfa --env --shell fish $argv)
    set -l st $status
    if test $st -ne 0
        return $st
    end
    string join \n -- $out | source
    # Decision: the exported keys must win, also for tools that prefer
    # AWS_PROFILE / AWS_DEFAULT_PROFILE over keys in the environment, and
    # prompts must name them (AWS_SSO_PROFILE), not what other tools left.
    # (Global scope only: a universal variable would be erased in every session.)
    set -e -g ::SUPERSEDED::
    set -g _awsmfa_retry_at 0
    _awsmfa_segment
    return 0
end

# _awsmfa_int VALUE DEFAULT: print VALUE if it is a plain decimal number, else
# DEFAULT (nothing that is not digits ever reaches math or test).
function _awsmfa_int
    if string match -qr '^[0-9]{1,15}$' -- "$argv[1]"
        math -- $argv[1]
    else
        echo $argv[2]
    end
end

# _awsmfa_remaining SECONDS: print 1d11h / 3h0m / 29m / 42s
function _awsmfa_remaining
    set -l r $argv[1]
    if test $r -ge 86400
        printf '%sd%sh\n' (math "floor($r / 86400)") (math "floor($r % 86400 / 3600)")
    else if test $r -ge 3600
        printf '%sh%sm\n' (math "floor($r / 3600)") (math "floor($r % 3600 / 60)")
    else if test $r -ge 60
        printf '%sm\n' (math "floor($r / 60)")
    else
        printf '%ss\n' $r
    end
end

# _awsmfa_segment: sets _awsmfa_r (seconds left, empty without credentials)
# and AWSMFA_PROMPT. (Few command substitutions: each costs ~0.1 ms.)
function _awsmfa_segment
    set -g AWSMFA_PROMPT ''
    set -g _awsmfa_r ''
    string match -qr '^[0-9]{1,15}$' -- "$AWSMFA_EXPIRATION"; or return 0
    set -l exp $AWSMFA_EXPIRATION
    set -l r
    if test "$_awsmfa_clock" = date
        set r (math -- $exp - (command date +%s))
    else if test "$_awsmfa_stamp_ok" = "$exp:$AWSMFA_EXPIRATION_STAMP"; or begin
            test -n "$AWSMFA_EXPIRATION_STAMP"; and test (path mtime -- $AWSMFA_EXPIRATION_STAMP; or echo x) = $exp
            and set -g _awsmfa_stamp_ok "$exp:$AWSMFA_EXPIRATION_STAMP"
        end
        # `path mtime --relative` prints now - mtime = minus the seconds left. (The stamp is
        # checked once per expiry: the same expiry always has the same stamp.)
        set r (math -- 0 - (path mtime --relative -- $AWSMFA_EXPIRATION_STAMP))
    else
        # No usable stamp: now = mtime of / + its age (to within a second).
        set r (math -- $exp - \( (path mtime -- /) + (path mtime --relative -- /) \))
    end
    set -g _awsmfa_r $r
    set -l warn ::PROMPT_WARN::
    string match -qr '^[0-9]{1,15}$' -- "$AWSMFA_PROMPT_WARN"; and set warn $AWSMFA_PROMPT_WARN
    set -l crit ::PROMPT_CRITICAL::
    string match -qr '^[0-9]{1,15}$' -- "$AWSMFA_PROMPT_CRIT"; and set crit $AWSMFA_PROMPT_CRIT
    set -l txt
    set -l color
    if test $r -le 0
        set txt ::PROMPT_EXPIRED::
        test -n "$AWSMFA_PROMPT_EXPIRED"; and set txt "$AWSMFA_PROMPT_EXPIRED"
        set color $_awsmfa_red
    else
        set -l fmt ::PROMPT_FORMAT::
        test -n "$AWSMFA_PROMPT_FORMAT"; and set fmt "$AWSMFA_PROMPT_FORMAT"
        # The fields of `awsmfa prompt --format`, in its order.
        set txt (string replace -a -- '{remaining}' (_awsmfa_remaining $r) "$fmt")
        string match -q -- '*{*' "$txt"
        and set txt (string replace -a -- '{seconds}' $r "$txt" | string replace -a -- '{expiration}' "$AWS_CREDENTIAL_EXPIRATION")
        if test $r -le $crit
            set color $_awsmfa_red
        else if test $r -le $warn
            set color $_awsmfa_yellow
        else
            set color $_awsmfa_green
        end
    end
    if test -n "$NO_COLOR"
        set -g AWSMFA_PROMPT "$txt"
    else
        set -g AWSMFA_PROMPT "$color$txt$_awsmfa_normal"
    end
end

# awsmfa_prompt: print the segment (call it from fish_prompt / fish_right_prompt). The hook
# below computed it for this prompt already: the fish_prompt event comes before the prompt.
function awsmfa_prompt
    printf '%s' "$AWSMFA_PROMPT"
end

# _awsmfa_refresh: one refresh attempt, then back off. The back-off belongs to
# the AWSMFA_EXPIRATION value current after the attempt: no new attempt before
# _awsmfa_retry_at unless AWSMFA_EXPIRATION has changed since (awsmfa was run).
# The same notice is not repeated for the same credentials.
function _awsmfa_refresh
    set -l exp "$AWSMFA_EXPIRATION"
    set -l now (math -- $exp - $_awsmfa_r)
    if test "$_awsmfa_retry_exp" = "$exp"; and test $now -lt $_awsmfa_retry_at
        return 0
    end
    # Back off first, so an interrupted attempt (Ctrl-C) backs off too.
    set -g _awsmfa_retry_at (math -- $now + (_awsmfa_int "$AWSMFA_REFRESH_BACKOFF" ::REFRESH_BACKOFF::))
    set -g _awsmfa_retry_exp $exp
    set -l out
    set -l st 127
    # (fish itself would report a missing command despite 2>/dev/null)
    if command -q awsmfa
        set out (command awsmfa refresh --shell fish --timeout ::REFRESH_TIMEOUT:: </dev/null 2>/dev/null)
        set st $status
    end
    if test $st -eq 0; and test -n "$out"
        string join \n -- $out | source
        set -e -g ::SUPERSEDED::
        set -g _awsmfa_retry_exp "$AWSMFA_EXPIRATION"
        _awsmfa_segment
        return 0
    end
    set -l kind
    set -l msg
    if test $st -ne 3
        set kind error
        set msg 'could not refresh AWS credentials — run awsmfa refresh to see why'
    else if test $_awsmfa_r -gt 0
        set kind soon
        set msg "AWS credentials expire in "(_awsmfa_remaining $_awsmfa_r)" — run awsmfa to renew"
    else
        set kind expired
        set msg 'AWS credentials expired — run awsmfa to renew'
    end
    if test "$_awsmfa_noticed" != "$exp:$kind"
        set -g _awsmfa_noticed "$exp:$kind"
        printf 'awsmfa: %s\n' $msg >&2
    end
    return 0
end

# _awsmfa_hook: before each prompt, and before each command line through
# _awsmfa_preexec. Redefining it (init sourced twice) replaces the handler. Keeps $status.
function _awsmfa_hook --on-event fish_prompt
    set -l s $status
    _awsmfa_segment
    if test -n "$_awsmfa_r"
        set -l window ::REFRESH_WINDOW::
        string match -qr '^[0-9]{1,15}$' -- "$AWSMFA_REFRESH_WINDOW"; and set window $AWSMFA_REFRESH_WINDOW
        test $_awsmfa_r -le $window; and _awsmfa_refresh
    end
    return $s
end

# _awsmfa_preexec: before each command line, the same check, so that credentials that expired
# (or came within the window) while the shell sat at its prompt are renewed in the environment
# of the command about to run. fish keeps the command line's $status around the event.
function _awsmfa_preexec --on-event fish_preexec
    _awsmfa_hook
end

set -q AWSMFA_PROMPT; or set -g AWSMFA_PROMPT ''
set -q _awsmfa_retry_at; or set -g _awsmfa_retry_at 0
set -q _awsmfa_retry_exp; or set -g _awsmfa_retry_exp ''
set -q _awsmfa_noticed; or set -g _awsmfa_noticed ''
set -g _awsmfa_r ''
set -g _awsmfa_stamp_ok ''
set -g _awsmfa_clock path
contains -- path (builtin -n); or set -g _awsmfa_clock date
# set_color once, here: the prompt path only reads these.
set -g _awsmfa_green (set_color green)
set -g _awsmfa_yellow (set_color yellow)
set -g _awsmfa_red (set_color red)
set -g _awsmfa_normal (set_color normal)
