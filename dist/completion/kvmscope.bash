# bash completion for kvmscope, kvmscope-vmm and kvmscope-domain.
# The options are read from each program's own --help when completing, so
# they cannot drift from the binaries.

# _kvmscope_help_options CMD [ARGS...]: the options CMD ARGS --help lists
_kvmscope_help_options()
{
	"$@" --help 2>&1 | grep -oE -- '(^|[][ ,(|])--?[a-zA-Z][-a-zA-Z0-9]*=?' |
		sed -E 's/^[][ ,(|]//' | sort -u
}

_kvmscope()
{
	local cur prev sub i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "record report probes diagnose ci --help --version" -- "$cur"))
		return
	fi
	sub=${COMP_WORDS[1]}
	for ((i = 2; i < COMP_CWORD; i++)); do
		# after "--" comes the wrapped command
		[ "${COMP_WORDS[i]}" = -- ] && { COMPREPLY=($(compgen -c -- "$cur")); return; }
	done
	case $prev in
	--format)
		case $sub in
		report) COMPREPLY=($(compgen -W "text json chrome html" -- "$cur")) ;;
		probes) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		esac
		return ;;
	--rule)
		COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" diagnose --list-rules 2>/dev/null |
			cut -d' ' -f1)" -- "$cur"))
		return ;;
	--source) COMPREPLY=($(compgen -W "bpf ftrace all" -- "$cur")); return ;;
	-p|--pid|--max-size|-e|--event|-s|--stack|--functions|--provider) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_kvmscope_help_options "${COMP_WORDS[0]}" "$sub")" -- "$cur"))
		[[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_kvmscope_vmm()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	case $prev in
	-kernel|-initrd|-D|-pidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-trace)
		COMPREPLY=($(compgen -W "help $("${COMP_WORDS[0]}" -trace help 2>/dev/null)" -- "$cur"))
		return ;;
	-serial) COMPREPLY=($(compgen -W "stdio null file: unix: chardev:" -- "$cur")); return ;;
	-cpu) COMPREPLY=($(compgen -W "host host,pmu=on host,pmu=off" -- "$cur")); return ;;
	-machine|-M) COMPREPLY=($(compgen -W "pc virt" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_kvmscope_help_options "${COMP_WORDS[0]}")" -- "$cur"))
	fi
}

_kvmscope_domain()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} i
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run reboot shutdown destroy status console qga --help --version" \
			-- "$cur"))
		return
	fi
	for ((i = 2; i < COMP_CWORD; i++)); do
		[ "${COMP_WORDS[i]}" = -- ] && { _kvmscope_vmm; return; }
	done
	case ${COMP_WORDS[1]} in
	run)
		case $prev in
		--dir|--agent-socket) COMPREPLY=($(compgen -d -- "$cur")); return ;;
		--vmm) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		esac
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--name --dir --vmm --agent-socket \
			--agent-timeout --powerdown-timeout --kill-timeout --sync-timeout --qmp-timeout --" \
			-- "$cur")) ;;
	qga)
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--sync --timeout --lines --repeat" -- "$cur")) ||
			COMPREPLY=($(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -d -- "$cur")) ;;
	esac
}

complete -F _kvmscope kvmscope
complete -F _kvmscope_vmm kvmscope-vmm
complete -F _kvmscope_domain kvmscope-domain
