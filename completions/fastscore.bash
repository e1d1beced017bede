_fastscore() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="fastscore"
                ;;
            fastscore,attachment)
                cmd="fastscore__subcmd__attachment"
                ;;
            fastscore,config)
                cmd="fastscore__subcmd__config"
                ;;
            fastscore,connect)
                cmd="fastscore__subcmd__connect"
                ;;
            fastscore,debug)
                cmd="fastscore__subcmd__debug"
                ;;
            fastscore,engine)
                cmd="fastscore__subcmd__engine"
                ;;
            fastscore,fleet)
                cmd="fastscore__subcmd__fleet"
                ;;
            fastscore,help)
                cmd="fastscore__subcmd__help"
                ;;
            fastscore,job)
                cmd="fastscore__subcmd__job"
                ;;
            fastscore,login)
                cmd="fastscore__subcmd__login"
                ;;
            fastscore,model)
                cmd="fastscore__subcmd__model"
                ;;
            fastscore,monitor)
                cmd="fastscore__subcmd__monitor"
                ;;
            fastscore,pneumo)
                cmd="fastscore__subcmd__pneumo"
                ;;
            fastscore,policy)
                cmd="fastscore__subcmd__policy"
                ;;
            fastscore,profile)
                cmd="fastscore__subcmd__profile"
                ;;
            fastscore,run)
                cmd="fastscore__subcmd__run"
                ;;
            fastscore,schema)
                cmd="fastscore__subcmd__schema"
                ;;
            fastscore,sensor)
                cmd="fastscore__subcmd__sensor"
                ;;
            fastscore,snapshot)
                cmd="fastscore__subcmd__snapshot"
                ;;
            fastscore,stats)
                cmd="fastscore__subcmd__stats"
                ;;
            fastscore,stream)
                cmd="fastscore__subcmd__stream"
                ;;
            fastscore,use)
                cmd="fastscore__subcmd__use"
                ;;
            fastscore__subcmd__attachment,download)
                cmd="fastscore__subcmd__attachment__subcmd__download"
                ;;
            fastscore__subcmd__attachment,list)
                cmd="fastscore__subcmd__attachment__subcmd__list"
                ;;
            fastscore__subcmd__attachment,remove)
                cmd="fastscore__subcmd__attachment__subcmd__remove"
                ;;
            fastscore__subcmd__attachment,upload)
                cmd="fastscore__subcmd__attachment__subcmd__upload"
                ;;
            fastscore__subcmd__config,set)
                cmd="fastscore__subcmd__config__subcmd__set"
                ;;
            fastscore__subcmd__config,show)
                cmd="fastscore__subcmd__config__subcmd__show"
                ;;
            fastscore__subcmd__debug,manifold)
                cmd="fastscore__subcmd__debug__subcmd__manifold"
                ;;
            fastscore__subcmd__debug,stream)
                cmd="fastscore__subcmd__debug__subcmd__stream"
                ;;
            fastscore__subcmd__engine,inspect)
                cmd="fastscore__subcmd__engine__subcmd__inspect"
                ;;
            fastscore__subcmd__engine,pause)
                cmd="fastscore__subcmd__engine__subcmd__pause"
                ;;
            fastscore__subcmd__engine,put)
                cmd="fastscore__subcmd__engine__subcmd__put"
                ;;
            fastscore__subcmd__engine,reset)
                cmd="fastscore__subcmd__engine__subcmd__reset"
                ;;
            fastscore__subcmd__engine,serve)
                cmd="fastscore__subcmd__engine__subcmd__serve"
                ;;
            fastscore__subcmd__engine,stop)
                cmd="fastscore__subcmd__engine__subcmd__stop"
                ;;
            fastscore__subcmd__engine,unpause)
                cmd="fastscore__subcmd__engine__subcmd__unpause"
                ;;
            fastscore__subcmd__fleet,serve)
                cmd="fastscore__subcmd__fleet__subcmd__serve"
                ;;
            fastscore__subcmd__job,run)
                cmd="fastscore__subcmd__job__subcmd__run"
                ;;
            fastscore__subcmd__model,add)
                cmd="fastscore__subcmd__model__subcmd__add"
                ;;
            fastscore__subcmd__model,input)
                cmd="fastscore__subcmd__model__subcmd__input"
                ;;
            fastscore__subcmd__model,inspect)
                cmd="fastscore__subcmd__model__subcmd__inspect"
                ;;
            fastscore__subcmd__model,interact)
                cmd="fastscore__subcmd__model__subcmd__interact"
                ;;
            fastscore__subcmd__model,list)
                cmd="fastscore__subcmd__model__subcmd__list"
                ;;
            fastscore__subcmd__model,load)
                cmd="fastscore__subcmd__model__subcmd__load"
                ;;
            fastscore__subcmd__model,output)
                cmd="fastscore__subcmd__model__subcmd__output"
                ;;
            fastscore__subcmd__model,remove)
                cmd="fastscore__subcmd__model__subcmd__remove"
                ;;
            fastscore__subcmd__model,scale)
                cmd="fastscore__subcmd__model__subcmd__scale"
                ;;
            fastscore__subcmd__model,show)
                cmd="fastscore__subcmd__model__subcmd__show"
                ;;
            fastscore__subcmd__model,unload)
                cmd="fastscore__subcmd__model__subcmd__unload"
                ;;
            fastscore__subcmd__model,verify)
                cmd="fastscore__subcmd__model__subcmd__verify"
                ;;
            fastscore__subcmd__pneumo,history)
                cmd="fastscore__subcmd__pneumo__subcmd__history"
                ;;
            fastscore__subcmd__policy,set)
                cmd="fastscore__subcmd__policy__subcmd__set"
                ;;
            fastscore__subcmd__policy,show)
                cmd="fastscore__subcmd__policy__subcmd__show"
                ;;
            fastscore__subcmd__profile,stream)
                cmd="fastscore__subcmd__profile__subcmd__stream"
                ;;
            fastscore__subcmd__schema,add)
                cmd="fastscore__subcmd__schema__subcmd__add"
                ;;
            fastscore__subcmd__schema,infer)
                cmd="fastscore__subcmd__schema__subcmd__infer"
                ;;
            fastscore__subcmd__schema,list)
                cmd="fastscore__subcmd__schema__subcmd__list"
                ;;
            fastscore__subcmd__schema,remove)
                cmd="fastscore__subcmd__schema__subcmd__remove"
                ;;
            fastscore__subcmd__schema,show)
                cmd="fastscore__subcmd__schema__subcmd__show"
                ;;
            fastscore__subcmd__schema,verify)
                cmd="fastscore__subcmd__schema__subcmd__verify"
                ;;
            fastscore__subcmd__sensor,add)
                cmd="fastscore__subcmd__sensor__subcmd__add"
                ;;
            fastscore__subcmd__sensor,inspect)
                cmd="fastscore__subcmd__sensor__subcmd__inspect"
                ;;
            fastscore__subcmd__sensor,install)
                cmd="fastscore__subcmd__sensor__subcmd__install"
                ;;
            fastscore__subcmd__sensor,list)
                cmd="fastscore__subcmd__sensor__subcmd__list"
                ;;
            fastscore__subcmd__sensor,points)
                cmd="fastscore__subcmd__sensor__subcmd__points"
                ;;
            fastscore__subcmd__sensor,remove)
                cmd="fastscore__subcmd__sensor__subcmd__remove"
                ;;
            fastscore__subcmd__sensor,show)
                cmd="fastscore__subcmd__sensor__subcmd__show"
                ;;
            fastscore__subcmd__sensor,uninstall)
                cmd="fastscore__subcmd__sensor__subcmd__uninstall"
                ;;
            fastscore__subcmd__snapshot,list)
                cmd="fastscore__subcmd__snapshot__subcmd__list"
                ;;
            fastscore__subcmd__snapshot,remove)
                cmd="fastscore__subcmd__snapshot__subcmd__remove"
                ;;
            fastscore__subcmd__snapshot,restore)
                cmd="fastscore__subcmd__snapshot__subcmd__restore"
                ;;
            fastscore__subcmd__snapshot,show)
                cmd="fastscore__subcmd__snapshot__subcmd__show"
                ;;
            fastscore__subcmd__stats,cpu-utilization)
                cmd="fastscore__subcmd__stats__subcmd__cpu__subcmd__utilization"
                ;;
            fastscore__subcmd__stats,jets)
                cmd="fastscore__subcmd__stats__subcmd__jets"
                ;;
            fastscore__subcmd__stats,memory)
                cmd="fastscore__subcmd__stats__subcmd__memory"
                ;;
            fastscore__subcmd__stats,streams)
                cmd="fastscore__subcmd__stats__subcmd__streams"
                ;;
            fastscore__subcmd__stream,add)
                cmd="fastscore__subcmd__stream__subcmd__add"
                ;;
            fastscore__subcmd__stream,attach)
                cmd="fastscore__subcmd__stream__subcmd__attach"
                ;;
            fastscore__subcmd__stream,detach)
                cmd="fastscore__subcmd__stream__subcmd__detach"
                ;;
            fastscore__subcmd__stream,inspect)
                cmd="fastscore__subcmd__stream__subcmd__inspect"
                ;;
            fastscore__subcmd__stream,list)
                cmd="fastscore__subcmd__stream__subcmd__list"
                ;;
            fastscore__subcmd__stream,remove)
                cmd="fastscore__subcmd__stream__subcmd__remove"
                ;;
            fastscore__subcmd__stream,sample)
                cmd="fastscore__subcmd__stream__subcmd__sample"
                ;;
            fastscore__subcmd__stream,show)
                cmd="fastscore__subcmd__stream__subcmd__show"
                ;;
            fastscore__subcmd__stream,verify)
                cmd="fastscore__subcmd__stream__subcmd__verify"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        fastscore)
            opts="-m -h -V --monitor --help --version help connect login config fleet use run model attachment schema snapshot policy stream engine sensor stats debug profile pneumo monitor job"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__attachment)
            opts="-m -h --monitor --help list upload download remove"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__attachment__subcmd__download)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__attachment__subcmd__list)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__attachment__subcmd__remove)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__attachment__subcmd__upload)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__config)
            opts="-m -h --monitor --help set show"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__config__subcmd__set)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__config__subcmd__show)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__connect)
            opts="-v -m -h --verbose --nowait --insecure --cacert --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --cacert)
                    local oldifs
                    if [ -n "${IFS+x}" ]; then
                        oldifs="$IFS"
                    fi
                    IFS=$'\n'
                    COMPREPLY=($(compgen -f "${cur}"))
                    if [ -n "${oldifs+x}" ]; then
                        IFS="$oldifs"
                    fi
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o filenames
                    fi
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__debug)
            opts="-m -h --monitor --help manifold stream"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__debug__subcmd__manifold)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__debug__subcmd__stream)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine)
            opts="-m -h --monitor --help pause unpause inspect reset serve stop put"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__inspect)
            opts="-v -m -h --verbose --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__pause)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__put)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__reset)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__serve)
            opts="-m -h --bind --port --no-token --fleet --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --fleet)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__stop)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__engine__subcmd__unpause)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__fleet)
            opts="-v -m -h --verbose --json --wait --monitor --help serve"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__fleet__subcmd__serve)
            opts="-m -h --bind --port --http --cert --key --users --engines --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --users)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engines)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__help)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__job)
            opts="-m -h --monitor --help run"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__job__subcmd__run)
            opts="-v -m -h --verbose --wait --schema --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --schema)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__login)
            opts="-v -m -h --verbose --username --password --monitor --help basicauth ldap oauth2 sessioncookie"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --password)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model)
            opts="-m -h --monitor --help add show list remove verify load inspect unload scale input output interact"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__add)
            opts="-v -m -h --type --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --type)
                    COMPREPLY=($(compgen -W "pfa-json pfa-yaml pfa-pretty h2o-java python python3 R r java c octave jupyter sas" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__input)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__inspect)
            opts="-v -m -h --verbose --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__interact)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__list)
            opts="-m -h --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__load)
            opts="-v -m -h --verbose --schema --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --schema)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__output)
            opts="-c -m -h --nowait --continuous --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__remove)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__scale)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__show)
            opts="-e -v -m -h --edit --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__unload)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__model__subcmd__verify)
            opts="-v -m -h --verbose --json --schema --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --schema)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__monitor)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__pneumo)
            opts="-m -h --monitor --help history"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__pneumo__subcmd__history)
            opts="-m -h --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__policy)
            opts="-m -h --monitor --help set show"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__policy__subcmd__set)
            opts="-v -m -h --type --preinstall --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --type)
                    COMPREPLY=($(compgen -W "pfa-json pfa-yaml pfa-pretty h2o-java python python3 R r java c octave jupyter sas" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__policy__subcmd__show)
            opts="-m -h --type --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --type)
                    COMPREPLY=($(compgen -W "pfa-json pfa-yaml pfa-pretty h2o-java python python3 R r java c octave jupyter sas" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__profile)
            opts="-m -h --monitor --help stream"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__profile__subcmd__stream)
            opts="-v -m -h --verbose --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__run)
            opts="-v -m -h --verbose --wait --schema --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --schema)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema)
            opts="-m -h --monitor --help add show remove list verify infer"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema__subcmd__add)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema__subcmd__infer)
            opts="-m -h --format --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "jsons csv" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema__subcmd__list)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema__subcmd__remove)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema__subcmd__show)
            opts="-e -v -m -h --edit --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__schema__subcmd__verify)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor)
            opts="-m -h --monitor --help add show remove list install uninstall inspect points"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__add)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__inspect)
            opts="-v -m -h --verbose --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__install)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__list)
            opts="-m -h --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__points)
            opts="-v -m -h --verbose --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__remove)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__show)
            opts="-e -v -m -h --edit --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__sensor__subcmd__uninstall)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__snapshot)
            opts="-m -h --monitor --help list show restore remove"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__snapshot__subcmd__list)
            opts="-v -m -h --verbose --count --since --until --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --count)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --since)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --until)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__snapshot__subcmd__remove)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__snapshot__subcmd__restore)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__snapshot__subcmd__show)
            opts="-m -h --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stats)
            opts="-m -h --monitor --help memory cpu-utilization jets streams"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stats__subcmd__cpu__subcmd__utilization)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stats__subcmd__jets)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stats__subcmd__memory)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stats__subcmd__streams)
            opts="-m -h --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream)
            opts="-m -h --monitor --help add show remove list inspect verify attach detach sample"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__add)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__attach)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__detach)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__inspect)
            opts="-m -h --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__list)
            opts="-m -h --json --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__remove)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__sample)
            opts="-m -h --count --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --count)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__show)
            opts="-e -v -m -h --edit --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__stream__subcmd__verify)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        fastscore__subcmd__use)
            opts="-v -m -h --verbose --monitor --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _fastscore -o nosort -o bashdefault -o default fastscore
else
    complete -F _fastscore -o bashdefault -o default fastscore
fi
