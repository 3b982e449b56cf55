# shellcheck shell=bash
# awsmfa shell integration for bash. `awsmfa init bash` prints it with its
# placeholders (names between double colons) filled in from src/shell/contract.rs.
#
#   eval "$(awsmfa init bash)"                  # in ~/.bashrc
#   PS1='\u@\h \w ${AWSMFA_PROMPT:+$AWSMFA_PROMPT }\$ '
#
# While the credentials are far from expiry, drawing a prompt or running a
# command line starts no process: the clock is printf's builtin %(%s)T (bash >=
# 4.2; older bash, e.g. macOS /bin/bash 3.2, falls back to `date`), all
# arithmetic is built in, and the segment is a variable that PS1 expands (no
# $(...) in PS1).

# awsmfa: credential commands run in this shell, everything else straight through.
awsmfa() {
    local arg first='' skip='' out st
    # A completion request (COMPLETE=bash awsmfa -- WORDS, clap's protocol) prints
    # candidates, not code: it must never reach eval.
    if [[ -n ${COMPLETE-} ]]; then
        command awsmfa "$@"
        return
    fi
    # A subcommand, or output that is not code to eval (--env: the caller evals it, and adding
    # it again would be a usage error), goes to the binary as it is. The subcommand is the
    # first word that is neither an option nor an option's value (`awsmfa --profile x status`).
    # -h, -V, --env and --shell count in every spelling clap reads (`--hel`, `--sh=fish`, `-hV`).
    for arg in "$@"; do
        if [[ -n ${skip} ]]; then
            skip=
            continue
        fi
        case ${arg} in
            ::PASSTHROUGH:: | ::PASSTHROUGH_PREFIXES::)
                command awsmfa "$@"
                return
                ;;
            ::VALUE_OPTIONS:: | ::VALUE_ABBREVIATIONS::) skip=1 ;;
            -*) ;;
            *) [[ -n ${first} ]] || first=${arg} ;;
        esac
    done
    case ${first} in
        ::SUBCOMMANDS::)
            command awsmfa "$@"
            return
            ;;
        *) ;;
    esac
    # Only stdout (the code to eval) is captured: stdin and stderr stay on the
    # terminal for the MFA prompt and the messages.
    if out=$(command awsmfa --env --shell bash "$@"); then
        eval "${out}"
        # Decision: the exported keys must win, also for tools that prefer
        # AWS_PROFILE / AWS_DEFAULT_PROFILE over keys in the environment, and
        # prompts must name them (AWS_SSO_PROFILE), not what other tools left.
        unset ::SUPERSEDED::
        _awsmfa_retry_at=0
        _awsmfa_segment
        return 0
    else
        st=$?
        return "${st}"
    fi
}

# _awsmfa_int NAME VALUE DEFAULT: NAME=VALUE if VALUE is a plain decimal number,
# else DEFAULT (nothing that is not digits ever reaches arithmetic).
_awsmfa_int() {
    if [[ -n ${2-} && $2 != *[!0-9]* && ${#2} -le 15 ]]; then
        printf -v "$1" '%s' "$((10#$2))"
    else
        printf -v "$1" '%s' "$3"
    fi
}

# _awsmfa_remaining SECONDS: _awsmfa_txt=1d11h / 3h0m / 29m / 42s
_awsmfa_remaining() {
    local r=$1 d h m
    d=$((r / 86400))
    h=$((r % 86400 / 3600))
    m=$((r % 3600 / 60))
    if ((d > 0)); then
        _awsmfa_txt=${d}d${h}h
    elif ((h > 0)); then
        _awsmfa_txt=${h}h${m}m
    elif ((m > 0)); then
        _awsmfa_txt=${m}m
    else
        _awsmfa_txt=${r}s
    fi
}

# _awsmfa_segment: sets _awsmfa_now, _awsmfa_r (seconds left, empty without
# credentials) and AWSMFA_PROMPT.
_awsmfa_segment() {
    local r txt color warn crit fmt=::PROMPT_FORMAT:: expired=::PROMPT_EXPIRED::
    AWSMFA_PROMPT=
    _awsmfa_r=
    if ! printf -v _awsmfa_now '%(%s)T' -1 2>/dev/null; then
        _awsmfa_now=$(date +%s)
    fi
    _awsmfa_int r "${AWSMFA_EXPIRATION-}" ''
    if [[ -z ${r} ]]; then
        return 0
    fi
    r=$((r - _awsmfa_now))
    _awsmfa_r=${r}
    _awsmfa_int warn "${AWSMFA_PROMPT_WARN-}" ::PROMPT_WARN::
    _awsmfa_int crit "${AWSMFA_PROMPT_CRIT-}" ::PROMPT_CRITICAL::
    if ((r <= 0)); then
        txt=${AWSMFA_PROMPT_EXPIRED:-${expired}}
        color=31
    else
        _awsmfa_remaining "${r}"
        fmt=${AWSMFA_PROMPT_FORMAT:-${fmt}}
        # The fields of `awsmfa prompt --format`, in its order.
        txt=${fmt//"{remaining}"/"${_awsmfa_txt}"}
        txt=${txt//"{seconds}"/"${r}"}
        txt=${txt//"{expiration}"/"${AWS_CREDENTIAL_EXPIRATION-}"}
        if ((r <= crit)); then
            color=31
        elif ((r <= warn)); then
            color=33
        else
            color=32
        fi
    fi
    if [[ -n ${NO_COLOR-} ]]; then
        AWSMFA_PROMPT=${txt}
    else
        # \[ and \] are decoded before parameter expansion in PS1, so a value
        # expanded there carries readline's raw markers \001 ... \002 itself.
        AWSMFA_PROMPT=$'\001\e['"${color}"$'m\002'"${txt}"$'\001\e[39m\002'
    fi
}

# awsmfa_prompt: print the segment (for prompts built by functions).
awsmfa_prompt() {
    _awsmfa_segment
    printf '%s' "${AWSMFA_PROMPT}"
}

# _awsmfa_refresh: one refresh attempt, then back off. The back-off belongs to
# the AWSMFA_EXPIRATION value current after the attempt: no new attempt before
# _awsmfa_retry_at unless AWSMFA_EXPIRATION has changed since (awsmfa was run).
# The same notice is not repeated for the same credentials.
_awsmfa_refresh() {
    local out st backoff kind msg exp=${AWSMFA_EXPIRATION-}
    if [[ ${_awsmfa_retry_exp-} == "${exp}" ]] && ((_awsmfa_now < ${_awsmfa_retry_at:-0})); then
        return 0
    fi
    # Back off first, so an interrupted attempt (Ctrl-C) backs off too.
    _awsmfa_int backoff "${AWSMFA_REFRESH_BACKOFF-}" ::REFRESH_BACKOFF::
    _awsmfa_retry_at=$((_awsmfa_now + backoff))
    _awsmfa_retry_exp=${exp}
    if out=$(command awsmfa refresh --shell bash --timeout ::REFRESH_TIMEOUT:: </dev/null 2>/dev/null); then
        st=0
    else
        st=$?
    fi
    if ((st == 0)) && [[ -n ${out} ]]; then
        eval "${out}"
        unset ::SUPERSEDED::
        _awsmfa_retry_exp=${AWSMFA_EXPIRATION-}
        _awsmfa_segment
        return 0
    fi
    if ((st != 3)); then
        kind=error
        msg='could not refresh AWS credentials — run awsmfa refresh to see why'
    elif ((_awsmfa_r > 0)); then
        kind=soon
        _awsmfa_remaining "${_awsmfa_r}"
        msg="AWS credentials expire in ${_awsmfa_txt} — run awsmfa to renew"
    else
        kind=expired
        msg='AWS credentials expired — run awsmfa to renew'
    fi
    if [[ ${_awsmfa_noticed-} != "${exp}:${kind}" ]]; then
        _awsmfa_noticed=${exp}:${kind}
        printf 'awsmfa: %s\n' "${msg}" >&2
    fi
    return 0
}

# _awsmfa_hook: before each prompt, and before each command line through _awsmfa_preexec.
# Keeps $? (first statement, returned at the end).
_awsmfa_hook() {
    local s=$? window
    _awsmfa_segment
    if [[ -n ${_awsmfa_r} ]]; then
        _awsmfa_int window "${AWSMFA_REFRESH_WINDOW-}" ::REFRESH_WINDOW::
        if ((_awsmfa_r <= window)); then
            _awsmfa_refresh
        fi
    fi
    return "${s}"
}

# _awsmfa_preexec: before each command line, the prompt hook's check, so that credentials
# that expired (or came within the window) while the shell sat at its prompt are renewed in
# the environment of the command about to run. Returns 0: with extdebug set, a failing
# pre-command hook would skip the command.
_awsmfa_preexec() {
    _awsmfa_hook || return 0
}

# _awsmfa_debug LAST_ARG: the DEBUG trap, which bash runs before every simple command. The
# check runs once per command line: the prompt escape \# (_awsmfa_lineno) is the number of the
# line being run (PROMPT_COMMAND and completion still see the previous one's), and ${x@P}
# expands it without a process. The caller's $_ survives as the last argument. Kept small:
# bash copies a function's body at each call. (One function name first in the trap: starship,
# loaded later, keeps only the trap's first word.)
_awsmfa_debug() {
    local s=$?
    if [[ ${_awsmfa_lineno@P} != "${_awsmfa_line}" || -n ${_awsmfa_prior_debug} ]]; then
        _awsmfa_before "${s}" "${1-}"
    fi
}

# _awsmfa_before STATUS LAST_ARG: the rest of the trap. The check, once per line; then the
# DEBUG trap that was there before, with $? and $_ as they were, whose status is the trap's
# (extdebug).
_awsmfa_before() {
    # Not the user's commands: traced inside this script's own functions (set -T, extdebug),
    # where a trap would see, and could assign, their local variables; or called again from
    # the trap that was there before, which wraps this one (starship's, when init is
    # evaluated again after it).
    if [[ -n ${_awsmfa_chained-} || ${FUNCNAME[2]-} == _awsmfa* || ${FUNCNAME[2]-} == awsmfa* ]]; then
        return 0
    fi
    if [[ ${_awsmfa_lineno@P} != "${_awsmfa_line}" ]]; then
        _awsmfa_line=${_awsmfa_lineno@P}
        _awsmfa_preexec
    fi
    if [[ -z ${_awsmfa_prior_debug} ]]; then
        return 0
    fi
    local _awsmfa_chained=1
    if (($1 == 0)); then
        _awsmfa_status 0 "$2"
        eval "${_awsmfa_prior_debug}"
    else
        # In an || list, so that errexit does not end the shell for the status handed on.
        _awsmfa_status "$1" "$2" || eval "${_awsmfa_prior_debug}"
    fi
}

# _awsmfa_status STATUS [LAST_ARG]: sets $? (and $_) without a process.
_awsmfa_status() {
    return "$1"
}

AWSMFA_PROMPT=${AWSMFA_PROMPT-}
_awsmfa_r=
_awsmfa_now=0
_awsmfa_txt=
_awsmfa_retry_at=${_awsmfa_retry_at:-0}
_awsmfa_retry_exp=${_awsmfa_retry_exp-}
_awsmfa_noticed=${_awsmfa_noticed-}
_awsmfa_line=${_awsmfa_line-}
_awsmfa_lineno='\#'
_awsmfa_prior_debug=${_awsmfa_prior_debug-}

# Register the hooks once, first, so that what follows sees the original $? and
# a fresh AWSMFA_PROMPT. (PIPESTATUS cannot be kept without forking.)
if [[ -n ${bash_preexec_imported:-}${__bp_imported:-} ]]; then
    # bash-preexec owns PROMPT_COMMAND and the DEBUG trap: use its function lists.
    if [[ " ${precmd_functions[*]-} " != *' _awsmfa_hook '* ]]; then
        precmd_functions=(_awsmfa_hook ${precmd_functions[@]+"${precmd_functions[@]}"})
    fi
    if [[ " ${preexec_functions[*]-} " != *' _awsmfa_preexec '* ]]; then
        preexec_functions=(_awsmfa_preexec ${preexec_functions[@]+"${preexec_functions[@]}"})
    fi
else
    if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) && [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
        # Array form (bash >= 5.1).
        if [[ " ${PROMPT_COMMAND[*]} " != *' _awsmfa_hook '* ]]; then
            PROMPT_COMMAND=(_awsmfa_hook "${PROMPT_COMMAND[@]}")
        fi
    elif [[ ${PROMPT_COMMAND-} != *_awsmfa_hook* ]]; then
        # String form (or unset; an empty array takes this as element 0).
        # shellcheck disable=SC2128,SC2178
        PROMPT_COMMAND="_awsmfa_hook${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
    fi
    # Before each command line of an interactive shell: a DEBUG trap (${x@P} needs bash >=
    # 4.4) that keeps the one already set. Reading that one takes a process, here only. (PS0
    # cannot run the check before bash 5.3: its command substitutions run in a subshell,
    # which cannot export to this shell.)
    if [[ $- == *i* ]] && ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then
        _awsmfa_trap=$(trap -p DEBUG)
        if [[ ${_awsmfa_trap} != *_awsmfa_debug* ]]; then
            # `trap -- 'CMD' DEBUG`, quoted by bash for reuse: CMD is word 2 (`-`, no trap,
            # in POSIX mode).
            eval "_awsmfa_trap=(${_awsmfa_trap})"
            _awsmfa_prior_debug=${_awsmfa_trap[2]-}
            if [[ ${_awsmfa_prior_debug} == - ]]; then
                _awsmfa_prior_debug=
            fi
            # shellcheck disable=SC2016
            trap '_awsmfa_debug "$_"' DEBUG
        fi
        unset _awsmfa_trap
    fi
fi

# _awsmfa_split LINE: the words of a command line as bash will read them, split at blanks,
# with quotes and backslashes removed, into _awsmfa_words (the last one is the word being
# completed, empty after a blank); and how readline will replace that word's end:
# _awsmfa_kept, its start that stays (unquoted), and _awsmfa_quote, the quote open there
# (' or ") or nothing. Readline replaces the text after an open quote, else after the last
# unquoted character of COMP_WORDBREAKS (`:` in every ARN, `=` in --opt=value).
_awsmfa_split() {
    local line=$1 c i=0 word='' in_word='' opened=''
    _awsmfa_words=()
    _awsmfa_kept=
    _awsmfa_quote=
    while ((i < ${#line})); do
        c=${line:i:1}
        i=$((i + 1))
        if [[ ${_awsmfa_quote} == "'" ]]; then
            if [[ ${c} == "'" ]]; then
                _awsmfa_quote=
            else
                word+=${c}
            fi
        elif [[ ${_awsmfa_quote} == '"' ]]; then
            if [[ ${c} == '"' ]]; then
                _awsmfa_quote=
            elif [[ ${c} == \\ && ${line:i:1} == [\"\\\$\`] ]]; then
                word+=${line:i:1}
                i=$((i + 1))
            else
                word+=${c}
            fi
        elif [[ ${c} == [[:blank:]] ]]; then
            if [[ -n ${in_word} ]]; then
                _awsmfa_words+=("${word}")
                word=
                in_word=
                _awsmfa_kept=
            fi
        else
            in_word=1
            case ${c} in
                "'" | '"')
                    _awsmfa_quote=${c}
                    opened=${word}
                    ;;
                \\)
                    word+=${line:i:1}
                    i=$((i + 1))
                    ;;
                *)
                    word+=${c}
                    if [[ ${COMP_WORDBREAKS} == *"${c}"* ]]; then
                        _awsmfa_kept=${word}
                    fi
                    ;;
            esac
        fi
    done
    _awsmfa_words+=("${word}")
    if [[ -n ${_awsmfa_quote} ]]; then
        _awsmfa_kept=${opened}
    fi
}

# Completion through clap's protocol (COMPLETE=bash awsmfa -- WORDS). The words are rebuilt
# from the line (_awsmfa_split), because `:`, in every ARN, is a bash word break; each
# candidate is cut back to the part readline replaces and quoted for where it goes, so that
# a profile named `my prof`, `$(cmd)` or `star*` is inserted as one literal word.
_awsmfa_complete() {
    local cand reply _awsmfa_kept _awsmfa_quote
    local -a cands _awsmfa_words
    _awsmfa_split "${COMP_LINE:0:COMP_POINT}"
    # read, not cands=($(...)): that would expand `star*` to file names. (read ends at
    # the end of the input, with status 1.)
    IFS=$'\n' read -r -d '' -a cands < <(COMPLETE=bash _CLAP_IFS=$'\n' \
        _CLAP_COMPLETE_INDEX=$((${#_awsmfa_words[@]} - 1)) \
        command awsmfa -- "${_awsmfa_words[@]}" 2>/dev/null || true) || true
    COMPREPLY=()
    for cand in ${cands[@]+"${cands[@]}"}; do
        if [[ ${cand} != "${_awsmfa_kept}"* ]]; then
            continue
        fi
        cand=${cand:${#_awsmfa_kept}}
        case ${_awsmfa_quote} in
            "'") reply=${cand//\'/\'\\\'\'} ;;
            '"')
                reply=${cand//\\/\\\\}
                reply=${reply//\"/\\\"}
                reply=${reply//\$/\\\$}
                reply=${reply//\`/\\\`}
                ;;
            *) printf -v reply '%q' "${cand}" ;;
        esac
        COMPREPLY+=("${reply}")
    done
}
complete -F _awsmfa_complete awsmfa
