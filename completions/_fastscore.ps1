
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'fastscore' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'fastscore'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'fastscore' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Explain commands and options')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to a FastScore fleet (''embedded'' for the one on this machine)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Authenticate the connection (basicauth, ldap, oauth2, sessioncookie)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Configure the FastScore fleet')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'List the fleet''s instances and their health')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Select the target instance, or show it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Verify and load a model, attach its input and output streams')
            [CompletionResult]::new('model', 'model', [CompletionResultType]::ParameterValue, 'Manage analytic models')
            [CompletionResult]::new('attachment', 'attachment', [CompletionResultType]::ParameterValue, 'Manage model attachments')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Manage Avro schemas')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Manage model snapshots')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Manage import policies')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Manage streams/stream descriptors')
            [CompletionResult]::new('engine', 'engine', [CompletionResultType]::ParameterValue, 'Manage engine state')
            [CompletionResult]::new('sensor', 'sensor', [CompletionResultType]::ParameterValue, 'Manage sensors/sensor descriptors')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Show assorted statistics')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Watch debugging messages')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Profile internal operations')
            [CompletionResult]::new('pneumo', 'pneumo', [CompletionResultType]::ParameterValue, 'Watch Pneumo messages')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Monitor data processing')
            [CompletionResult]::new('job', 'job', [CompletionResultType]::ParameterValue, 'job')
            break
        }
        'fastscore;help' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;connect' {
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'trust the CA certificates in this PEM file for the fleet''s TLS; saved in ~/.fastscore [also -cacert:<file>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--nowait', '--nowait', [CompletionResultType]::ParameterName, 'do not wait for data to become available [also -nowait]')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'accept any TLS certificate of the fleet (self-signed ones too); saved in ~/.fastscore [also -insecure]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;login' {
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'username (basicauth/ldap) [also -username:<name>]')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'password (basicauth/ldap) [also -password:<secret>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;config' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the fleet configuration from a YAML file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the fleet configuration')
            break
        }
        'fastscore;config;set' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;config;show' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;fleet' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'wait for operation to complete [also -wait]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a FastScore fleet: Connect, Model Manage and the engines behind one HTTPS endpoint')
            break
        }
        'fastscore;fleet;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'address to listen on (default 127.0.0.1) [also -bind:<address>]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'port to listen on (engine serve: 8003, fleet serve: 8000; 0 picks a free one) [also -port:<number>]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'the server''s certificate chain (PEM) for HTTPS, with --key [also -cert:<file>]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'the private key (PEM) of --cert [also -key:<file>]')
            [CompletionResult]::new('--users', '--users', [CompletionResultType]::ParameterName, 'the fleet''s users, one name:password per line; requests must authenticate [also -users:<file>]')
            [CompletionResult]::new('--engines', '--engines', [CompletionResultType]::ParameterName, 'the local engines the fleet serves: engine-1 … engine-<n> (default 1); engines elsewhere join with `engine serve --fleet` [also -engines:<n>]')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'serve plain HTTP instead of HTTPS [also -http]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;use' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;run' {
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'embed schema when loading a model [also -schema:<name>:<schema>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'wait for operation to complete [also -wait]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add or replace a model (source from a file or stdin)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a model''s source')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List models')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a model and its attachments')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that the engine accepts a model')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load a model into the engine')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show the model loaded in the engine')
            [CompletionResult]::new('unload', 'unload', [CompletionResultType]::ParameterValue, 'Unload the engine''s model')
            [CompletionResult]::new('scale', 'scale', [CompletionResultType]::ParameterValue, 'Set the number of model instances (jets)')
            [CompletionResult]::new('input', 'input', [CompletionResultType]::ParameterValue, 'Send records from stdin to an input slot (REST stream)')
            [CompletionResult]::new('output', 'output', [CompletionResultType]::ParameterValue, 'Print records from an output slot (REST stream)')
            [CompletionResult]::new('interact', 'interact', [CompletionResultType]::ParameterValue, 'Send records and see outputs interactively')
            break
        }
        'fastscore;model;add' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'set model type (ignore file extension) [also -type:<model-type>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;show' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('--edit', '--edit', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;verify' {
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'embed schema when loading a model [also -schema:<name>:<schema>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;load' {
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'embed schema when loading a model [also -schema:<name>:<schema>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;inspect' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;unload' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;scale' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;input' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;output' {
            [CompletionResult]::new('--nowait', '--nowait', [CompletionResultType]::ParameterName, 'do not wait for data to become available [also -nowait]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'fetch outputs without exiting [also -c]')
            [CompletionResult]::new('--continuous', '--continuous', [CompletionResultType]::ParameterName, 'fetch outputs without exiting [also -c]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;model;interact' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;attachment' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a model''s attachments')
            [CompletionResult]::new('upload', 'upload', [CompletionResultType]::ParameterValue, 'Upload an attachment (.zip, .tar.gz, .tgz)')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download an attachment into the current directory')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an attachment')
            break
        }
        'fastscore;attachment;list' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;attachment;upload' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;attachment;download' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;attachment;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;schema' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add or replace an Avro schema (from a file or stdin)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a schema')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a schema')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List schemas')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a schema, and each record of a JSON-lines file against it')
            [CompletionResult]::new('infer', 'infer', [CompletionResultType]::ParameterValue, 'Infer an Avro schema from sample records')
            break
        }
        'fastscore;schema;add' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;schema;show' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('--edit', '--edit', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;schema;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;schema;list' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;schema;verify' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;schema;infer' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'sample data format for schema infer [also -format:<jsons|csv>]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;snapshot' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a model''s snapshots')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a snapshot''s metadata')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore the engine''s model state from a snapshot')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a snapshot')
            break
        }
        'fastscore;snapshot;list' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'list no more than NNN items [also -count:NNN]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'show items created after DATETIME (iso8601) [also -since:DATETIME]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'show items created before DATETIME (iso8601) [also -until:DATETIME]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;snapshot;show' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;snapshot;restore' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;snapshot;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;policy' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the import policy for a model type')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the import policy for a model type')
            break
        }
        'fastscore;policy;set' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'set model type (ignore file extension) [also -type:<model-type>]')
            [CompletionResult]::new('--preinstall', '--preinstall', [CompletionResultType]::ParameterName, 'preinstall all libraries [also -preinstall]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;policy;show' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'set model type (ignore file extension) [also -type:<model-type>]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add or replace a stream descriptor (from a file or stdin)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a stream descriptor (secrets masked)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a stream descriptor')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stream descriptors')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show the streams attached to the engine')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that the engine accepts a stream for a slot')
            [CompletionResult]::new('attach', 'attach', [CompletionResultType]::ParameterValue, 'Attach a stream to a slot')
            [CompletionResult]::new('detach', 'detach', [CompletionResultType]::ParameterValue, 'Detach the stream of a slot')
            [CompletionResult]::new('sample', 'sample', [CompletionResultType]::ParameterValue, 'Print sample records read from a stream')
            break
        }
        'fastscore;stream;add' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;show' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('--edit', '--edit', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;inspect' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;verify' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;attach' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;detach' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stream;sample' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'list no more than NNN items [also -count:NNN]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause data processing')
            [CompletionResult]::new('unpause', 'unpause', [CompletionResultType]::ParameterValue, 'Resume data processing')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show the engine state')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Reset the engine: unload the model, detach all streams')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a local engine in the foreground, serving the FastScore Engine REST API')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop local engines (all of them without a name)')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Copy a local file into the engine, where a file stream reads it')
            break
        }
        'fastscore;engine;pause' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine;unpause' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine;inspect' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine;reset' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'address to listen on (default 127.0.0.1) [also -bind:<address>]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'port to listen on (engine serve: 8003, fleet serve: 8000; 0 picks a free one) [also -port:<number>]')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'join the fleet at this URL (also $CONNECT_PREFIX): register there, take schemas and attachments from its Model Manage [also -fleet:<url>]')
            [CompletionResult]::new('--no-token', '--no-token', [CompletionResultType]::ParameterName, 'take requests without the engine''s token: anyone who can reach the address drives the engine [also -no-token]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine;stop' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;engine;put' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add or replace a sensor descriptor (from a file or stdin)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a sensor descriptor')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a sensor descriptor')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sensor descriptors')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install a sensor on the target instance')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Uninstall a sensor from the target instance')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show the sensors installed on the target instance')
            [CompletionResult]::new('points', 'points', [CompletionResultType]::ParameterValue, 'List the tapping points of the target instance')
            break
        }
        'fastscore;sensor;add' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;show' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('--edit', '--edit', [CompletionResultType]::ParameterName, 'open item for editing [also -e]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;install' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;uninstall' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;inspect' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;sensor;points' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stats' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('memory', 'memory', [CompletionResultType]::ParameterValue, 'Watch the target''s memory use')
            [CompletionResult]::new('cpu-utilization', 'cpu-utilization', [CompletionResultType]::ParameterValue, 'Watch the target''s CPU use')
            [CompletionResult]::new('jets', 'jets', [CompletionResultType]::ParameterValue, 'Watch the records per second of each jet')
            [CompletionResult]::new('streams', 'streams', [CompletionResultType]::ParameterValue, 'Watch the records per second of each slot')
            break
        }
        'fastscore;stats;memory' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stats;cpu-utilization' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stats;jets' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;stats;streams' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;debug' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('manifold', 'manifold', [CompletionResultType]::ParameterValue, 'Watch the engine''s debugging messages')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Watch a slot''s debugging messages')
            break
        }
        'fastscore;debug;manifold' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;debug;stream' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;profile' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Profile a slot''s record processing')
            break
        }
        'fastscore;profile;stream' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;pneumo' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Print recent Pneumo messages')
            break
        }
        'fastscore;pneumo;history' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;monitor' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'fastscore;job' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Same as run')
            break
        }
        'fastscore;job;run' {
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'embed schema when loading a model [also -schema:<name>:<schema>]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'be verbose [also -v]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'wait for operation to complete [also -wait]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'output as JSON (handy for scripts) [also -json]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'monitor engine operations after the command')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
