# awsmfa shell integration for zsh. `awsmfa init zsh` prints it with its
# placeholders (names between double colons) filled in from src/shell/contract.rs.
#
#   eval "$(awsmfa init zsh)"                   # in ~/.zshrc
#   setopt prompt_subst; RPROMPT='${AWSMFA_PROMPT}'
#   POWERLEVEL9K_RIGHT_PROMPT_ELEMENTS+=(awsmfa)   # powerlevel10k: prompt_awsmfa
#
# While the credentials are far from expiry, drawing a prompt or running a
# command line starts no process: the clock is $EPOCHSECONDS (zsh/datetime),
# all arithmetic is built in, and the segment is a variable that the prompt
# expands.

zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null || :

# awsmfa: credential commands run in this shell, everything else straight through.
awsmfa() {
    emulate -L zsh
    local arg first='' skip='' out st
    # A completion request (COMPLETE=zsh awsmfa -- WORDS: the registration below calls
    # this function, not the command) prints candidates, not code: it must never reach eval.
    if [[ -n ${COMPLETE-} ]]; then
        command awsmfa "$@"
        return
    fi
    # A subcommand, or output that is not code to eval (--env: the caller evals it, and adding
    # it again would be a usage error), goes to the binary as it is. The subcommand is the
    # first word that is neither an option nor an option's value (`awsmfa --profile x status`).
    # -h, -V, --env and --shell count in every spelling clap reads (`--hel`, `--sh=fish`, `-hV`).
    for arg in "$@"; do
        if [[ -n $skip ]]; then
            skip=
            continue
        fi
        case $arg in
            (::PASSTHROUGH:: | ::PASSTHROUGH_PREFIXES::)
                command awsmfa "$@"
                return
                ;;
            (::VALUE_OPTIONS:: | ::VALUE_ABBREVIATIONS::) skip=1 ;;
            (-*) ;;
            (*) [[ -n $first ]] || first=$arg ;;
        esac
    done
    case $first in
        (::SUBCOMMANDS::)
            command awsmfa "$@"
            return
            ;;
    esac
    # Only stdout (the code to eval) is captured: stdin and stderr stay on the
    # terminal for the MFA prompt and the messages.
    if out=$(command awsmfa --env --shell zsh "$@"); then
        eval "$out"
        # Decision: the exported keys must win, also for tools that prefer
        # AWS_PROFILE / AWS_DEFAULT_PROFILE over keys in the environment, and
        # prompts must name them (AWS_SSO_PROFILE), not what other tools left.
        unset ::SUPERSEDED::
        _awsmfa_retry_at=0
        _awsmfa_segment
        return 0
    else
        st=$?
        return st
    fi
}

# _awsmfa_int VALUE DEFAULT: REPLY=VALUE if VALUE is a plain decimal number,
# else DEFAULT (nothing that is not digits ever reaches arithmetic).
_awsmfa_int() {
    emulate -L zsh
    if [[ $1 == <-> && ${#1} -le 15 ]]; then
        REPLY=$(( 10#$1 ))
    else
        REPLY=$2
    fi
}

# _awsmfa_remaining SECONDS: REPLY=1d11h / 3h0m / 29m / 42s
_awsmfa_remaining() {
    emulate -L zsh
    local -i r=$1
    local -i d=$(( r / 86400 )) h=$(( r % 86400 / 3600 )) m=$(( r % 3600 / 60 ))
    if (( d > 0 )); then
        REPLY=${d}d${h}h
    elif (( h > 0 )); then
        REPLY=${h}h${m}m
    elif (( m > 0 )); then
        REPLY=${m}m
    else
        REPLY=${r}s
    fi
}

# _awsmfa_segment: sets _awsmfa_now, _awsmfa_r (seconds left, empty without
# credentials), AWSMFA_PROMPT, and its parts _awsmfa_text (%-escaped) and
# _awsmfa_color (green, yellow or red).
_awsmfa_segment() {
    emulate -L zsh
    local REPLY txt color fmt=::PROMPT_FORMAT:: expired=::PROMPT_EXPIRED::
    local -i r warn crit
    AWSMFA_PROMPT=
    _awsmfa_r=
    _awsmfa_text=
    _awsmfa_color=
    if (( ${+EPOCHSECONDS} )); then
        _awsmfa_now=$EPOCHSECONDS
    else
        _awsmfa_now=${(%):-%D{%s}}
    fi
    _awsmfa_int "${AWSMFA_EXPIRATION-}" ''
    [[ -n $REPLY ]] || return 0
    r=$(( REPLY - _awsmfa_now ))
    _awsmfa_r=$r
    _awsmfa_int "${AWSMFA_PROMPT_WARN-}" ::PROMPT_WARN::; warn=$REPLY
    _awsmfa_int "${AWSMFA_PROMPT_CRIT-}" ::PROMPT_CRITICAL::; crit=$REPLY
    if (( r <= 0 )); then
        txt=${AWSMFA_PROMPT_EXPIRED:-$expired}
        color=red
    else
        _awsmfa_remaining $r
        fmt=${AWSMFA_PROMPT_FORMAT:-$fmt}
        # The fields of `awsmfa prompt --format`, in its order.
        txt=${fmt//'{remaining}'/$REPLY}
        txt=${txt//'{seconds}'/$r}
        txt=${txt//'{expiration}'/${AWS_CREDENTIAL_EXPIRATION-}}
        if (( r <= crit )); then
            color=red
        elif (( r <= warn )); then
            color=yellow
        else
            color=green
        fi
    fi
    # The prompt decodes %-escapes after expanding the variable: keep % literal.
    txt=${txt//'%'/%%}
    _awsmfa_text=$txt
    _awsmfa_color=$color
    if [[ -n ${NO_COLOR-} ]]; then
        AWSMFA_PROMPT=$txt
    else
        AWSMFA_PROMPT="%F{$color}$txt%f"
    fi
}

# awsmfa_prompt: print the segment (for prompts built by functions).
awsmfa_prompt() {
    _awsmfa_segment
    print -rn -- "$AWSMFA_PROMPT"
}

# prompt_awsmfa: the segment for powerlevel10k, which calls prompt_NAME for each
# NAME in POWERLEVEL9K_LEFT_PROMPT_ELEMENTS / _RIGHT_: add `awsmfa` there. The
# text and colour of AWSMFA_PROMPT, counted from AWSMFA_EXPIRATION and
# $EPOCHSECONDS like it: no process. The state (-s) is the colour, so that
# POWERLEVEL9K_AWSMFA_YELLOW_FOREGROUND and the like restyle each.
prompt_awsmfa() {
    _awsmfa_segment
    [[ -n $_awsmfa_r ]] || return 0
    p10k segment -s ${(U)_awsmfa_color} -f $_awsmfa_color -t "$_awsmfa_text"
}

# _awsmfa_refresh: one refresh attempt, then back off. The back-off belongs to
# the AWSMFA_EXPIRATION value current after the attempt: no new attempt before
# _awsmfa_retry_at unless AWSMFA_EXPIRATION has changed since (awsmfa was run).
# The same notice is not repeated for the same credentials.
_awsmfa_refresh() {
    emulate -L zsh
    local REPLY out kind msg exp=${AWSMFA_EXPIRATION-}
    local -i st
    if [[ $_awsmfa_retry_exp == "$exp" ]] && (( _awsmfa_now < _awsmfa_retry_at )); then
        return 0
    fi
    # Back off first, so an interrupted attempt (Ctrl-C) backs off too.
    _awsmfa_int "${AWSMFA_REFRESH_BACKOFF-}" ::REFRESH_BACKOFF::
    _awsmfa_retry_at=$(( _awsmfa_now + REPLY ))
    _awsmfa_retry_exp=$exp
    if out=$(command awsmfa refresh --shell zsh --timeout ::REFRESH_TIMEOUT:: </dev/null 2>/dev/null); then
        st=0
    else
        st=$?
    fi
    if (( st == 0 )) && [[ -n $out ]]; then
        eval "$out"
        unset ::SUPERSEDED::
        _awsmfa_retry_exp=${AWSMFA_EXPIRATION-}
        _awsmfa_segment
        return 0
    fi
    if (( st != 3 )); then
        kind=error
        msg='could not refresh AWS credentials — run awsmfa refresh to see why'
    elif (( _awsmfa_r > 0 )); then
        kind=soon
        _awsmfa_remaining $_awsmfa_r
        msg="AWS credentials expire in $REPLY — run awsmfa to renew"
    else
        kind=expired
        msg='AWS credentials expired — run awsmfa to renew'
    fi
    if [[ $_awsmfa_noticed != "$exp:$kind" ]]; then
        _awsmfa_noticed=$exp:$kind
        print -ru2 -- "awsmfa: $msg"
    fi
    return 0
}

# _awsmfa_hook: precmd, and preexec too, so that credentials that expired (or came within the
# window) while the shell sat at its prompt are renewed in the environment of the command
# about to run. Keeps $? (first statement, returned at the end).
_awsmfa_hook() {
    local -i _awsmfa_status=$?
    emulate -L zsh
    local REPLY
    _awsmfa_segment
    if [[ -n $_awsmfa_r ]]; then
        _awsmfa_int "${AWSMFA_REFRESH_WINDOW-}" ::REFRESH_WINDOW::
        if (( _awsmfa_r <= REPLY )); then
            _awsmfa_refresh
        fi
    fi
    return _awsmfa_status
}

typeset -g AWSMFA_PROMPT _awsmfa_r _awsmfa_retry_exp _awsmfa_noticed _awsmfa_text _awsmfa_color
typeset -gi _awsmfa_now _awsmfa_retry_at

# add-zsh-hook registers the hook once, however often this is evaluated.
autoload -Uz add-zsh-hook
add-zsh-hook precmd _awsmfa_hook
add-zsh-hook preexec _awsmfa_hook
