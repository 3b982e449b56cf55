# awsmfa shell integration for nushell. `awsmfa init nu` prints it with its
# placeholders (names between double colons) filled in from src/shell/contract.rs.
# nu reads source files before it runs anything, so save it where nu autoloads it:
#
#   mkdir ($nu.data-dir | path join vendor/autoload)
#   awsmfa init nu | save -f ($nu.data-dir | path join vendor/autoload/awsmfa.nu)
#   $env.PROMPT_COMMAND_RIGHT = {|| $env.AWSMFA_PROMPT? | default "" }   # in config.nu
#
# (config.nu is read before the autoloaded files: a closure there cannot name a command
# defined here, such as awsmfa_prompt.)
#
# While the credentials are far from expiry, drawing a prompt or running a
# command line starts no process: the clock is `date now`, a builtin.
# nu has no eval: the binary prints the credentials as a JSON record
# (`--env --shell nu`), which `from json | load-env` loads as data.

# Temporary AWS credentials with MFA: credential commands load them into this shell, everything
# else runs as it is.
def --env --wrapped awsmfa [...args: string] {
    # A subcommand, or output that is not credentials (--env: the caller loads it), goes to the
    # binary as it is. The subcommand is the first word that is neither an option nor an
    # option's value (`awsmfa --profile x status`).
    # -h, -V, --env and --shell count in every spelling clap reads (`--hel`, `--sh=fish`, `-hV`).
    mut first = ""
    mut skip = false
    mut through = false
    for arg in $args {
        if $skip {
            $skip = false
            continue
        }
        if $arg in ::PASSTHROUGH:: or (::PASSTHROUGH_PREFIXES:: | any {|p| $arg | str starts-with $p }) {
            $through = true
        } else if $arg in ::VALUE_OPTIONS:: or $arg in ::VALUE_ABBREVIATIONS:: {
            $skip = true
        } else if not ($arg | str starts-with "-") and $first == "" {
            $first = $arg
        }
    }
    if $through or $first in ::SUBCOMMANDS:: {
        ^awsmfa ...$args
    } else {
        # Only stdout (the record) is captured: stdin and stderr stay on the terminal for the
        # MFA prompt and the messages. A failed run is an error here, with the binary's exit
        # status in $env.LAST_EXIT_CODE, and changes nothing in the shell.
        let record = (^awsmfa --env --shell nu ...$args)
        $record | from json | load-env
        # Decision: the exported keys must win, also for tools that prefer AWS_PROFILE /
        # AWS_DEFAULT_PROFILE over keys in the environment.
        hide-env -i ::SUPERSEDED::
        $env._AWSMFA.retry_at = 0
        _awsmfa_segment
    }
}

# VALUE if it is a plain decimal number (as a string), else DEFAULT.
def _awsmfa_int [value: any, default: int] {
    let text = ($value | default "" | into string)
    if $text =~ '^[0-9]{1,15}$' { $text | into int } else { $default }
}

# 1d11h / 3h0m / 29m / 42s
def _awsmfa_remaining [r: int] {
    if $r >= 86400 {
        $"($r // 86400)d($r mod 86400 // 3600)h"
    } else if $r >= 3600 {
        $"($r // 3600)h($r mod 3600 // 60)m"
    } else if $r >= 60 {
        $"($r // 60)m"
    } else {
        $"($r)s"
    }
}

# Seconds the credentials have left, null without credentials.
def _awsmfa_left [] {
    let exp = ($env.AWSMFA_EXPIRATION? | default "" | into string)
    if $exp =~ '^[0-9]{1,15}$' { ($exp | into int) - ((date now | into int) // 1_000_000_000) }
}

# Sets $env.AWSMFA_PROMPT.
def --env _awsmfa_segment [] {
    $env.AWSMFA_PROMPT = ""
    let r = (_awsmfa_left)
    if $r == null { return }
    let warn = (_awsmfa_int $env.AWSMFA_PROMPT_WARN? ::PROMPT_WARN::)
    let crit = (_awsmfa_int $env.AWSMFA_PROMPT_CRIT? ::PROMPT_CRITICAL::)
    let esc = (ansi escape)
    let text_colour = if $r <= 0 {
        let expired = ($env.AWSMFA_PROMPT_EXPIRED? | default "")
        [(if $expired == "" { ::PROMPT_EXPIRED:: } else { $expired }), "31"]
    } else {
        let format = ($env.AWSMFA_PROMPT_FORMAT? | default "")
        let format = if $format == "" { ::PROMPT_FORMAT:: } else { $format }
        # The fields of `awsmfa prompt --format`, in its order.
        let text = ($format
            | str replace -a "{remaining}" (_awsmfa_remaining $r)
            | str replace -a "{seconds}" ($r | into string)
            | str replace -a "{expiration}" ($env.AWS_CREDENTIAL_EXPIRATION? | default ""))
        [$text, (if $r <= $crit { "31" } else if $r <= $warn { "33" } else { "32" })]
    }
    $env.AWSMFA_PROMPT = if ($env.NO_COLOR? | default "") != "" {
        $text_colour.0
    } else {
        $"($esc)[($text_colour.1)m($text_colour.0)($esc)[39m"
    }
}

# The segment, for PROMPT_COMMAND_RIGHT or PROMPT_COMMAND. The hook computed it for this prompt
# already: pre_prompt hooks run before the prompt is drawn.
def awsmfa_prompt [] {
    $env.AWSMFA_PROMPT? | default ""
}

# One refresh attempt, then back off. The back-off belongs to the AWSMFA_EXPIRATION value
# current after the attempt: no new attempt before retry_at unless AWSMFA_EXPIRATION has changed
# since (awsmfa was run). The same notice is not repeated for the same credentials.
def --env _awsmfa_refresh [r: int] {
    let exp = ($env.AWSMFA_EXPIRATION | into string)
    let now = ($exp | into int) - $r
    if $env._AWSMFA.retry_exp == $exp and $now < $env._AWSMFA.retry_at { return }
    # Back off first, so an interrupted attempt (Ctrl-C) backs off too.
    $env._AWSMFA.retry_at = $now + (_awsmfa_int $env.AWSMFA_REFRESH_BACKOFF? ::REFRESH_BACKOFF::)
    $env._AWSMFA.retry_exp = $exp
    let result = if (which -a awsmfa | where type == external | is-not-empty) {
        "" | ^awsmfa refresh --shell nu --timeout ::REFRESH_TIMEOUT:: | complete
    } else {
        {exit_code: 127, stdout: ""}
    }
    if $result.exit_code == 0 and ($result.stdout | str trim) != "" {
        $result.stdout | from json | load-env
        hide-env -i ::SUPERSEDED::
        $env._AWSMFA.retry_exp = ($env.AWSMFA_EXPIRATION | into string)
        return
    }
    let notice = if $result.exit_code != 3 {
        ["error", "could not refresh AWS credentials — run awsmfa refresh to see why"]
    } else if $r > 0 {
        ["soon", $"AWS credentials expire in (_awsmfa_remaining $r) — run awsmfa to renew"]
    } else {
        ["expired", "AWS credentials expired — run awsmfa to renew"]
    }
    if $env._AWSMFA.noticed != $"($exp):($notice.0)" {
        $env._AWSMFA.noticed = $"($exp):($notice.0)"
        print -e $"awsmfa: ($notice.1)"
    }
}

# Before each prompt (pre_prompt) and each command line (pre_execution), so that credentials
# that expired (or came within the window) while the shell sat at its prompt are renewed in the
# environment of the command about to run. nu keeps $env.LAST_EXIT_CODE around hooks.
# (No `--env` command may run before the refresh: nu 0.115 loses a `hide-env` that follows one
# in the same command.)
def --env _awsmfa_hook [] {
    let r = (_awsmfa_left)
    if $r != null and $r <= (_awsmfa_int $env.AWSMFA_REFRESH_WINDOW? ::REFRESH_WINDOW::) {
        _awsmfa_refresh $r
    }
    _awsmfa_segment
}

# Shell state, in one record: nu hands no record to the programs it starts.
$env._AWSMFA = ($env._AWSMFA? | default {retry_at: 0, retry_exp: "", noticed: ""})
$env.AWSMFA_PROMPT = ($env.AWSMFA_PROMPT? | default "")
# Registered once however often this is sourced: an earlier registration is replaced.
let ours = {|hook| ($hook | describe) == "closure" and ((view source $hook) | str contains "_awsmfa_hook") }
$env.config.hooks.pre_prompt = ($env.config.hooks.pre_prompt? | default [] | where {|h| not (do $ours $h) } | append {|| _awsmfa_hook })
$env.config.hooks.pre_execution = ($env.config.hooks.pre_execution? | default [] | where {|h| not (do $ours $h) } | append {|| _awsmfa_hook })
