
use builtin;
use str;

set edit:completion:arg-completer[fastscore] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'fastscore'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'fastscore'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand help 'Explain commands and options'
            cand connect 'Connect to a FastScore fleet (''embedded'' for the one on this machine)'
            cand login 'Authenticate the connection (basicauth, ldap, oauth2, sessioncookie)'
            cand config 'Configure the FastScore fleet'
            cand fleet 'List the fleet''s instances and their health'
            cand use 'Select the target instance, or show it'
            cand run 'Verify and load a model, attach its input and output streams'
            cand model 'Manage analytic models'
            cand attachment 'Manage model attachments'
            cand schema 'Manage Avro schemas'
            cand snapshot 'Manage model snapshots'
            cand policy 'Manage import policies'
            cand stream 'Manage streams/stream descriptors'
            cand engine 'Manage engine state'
            cand sensor 'Manage sensors/sensor descriptors'
            cand stats 'Show assorted statistics'
            cand debug 'Watch debugging messages'
            cand profile 'Profile internal operations'
            cand pneumo 'Watch Pneumo messages'
            cand monitor 'Monitor data processing'
            cand job ''
        }
        &'fastscore;help'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;connect'= {
            cand --cacert 'trust the CA certificates in this PEM file for the fleet''s TLS; saved in ~/.fastscore [also -cacert:<file>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --nowait 'do not wait for data to become available [also -nowait]'
            cand --insecure 'accept any TLS certificate of the fleet (self-signed ones too); saved in ~/.fastscore [also -insecure]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;login'= {
            cand --username 'username (basicauth/ldap) [also -username:<name>]'
            cand --password 'password (basicauth/ldap) [also -password:<secret>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;config'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Set the fleet configuration from a YAML file'
            cand show 'Show the fleet configuration'
        }
        &'fastscore;config;set'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;config;show'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;fleet'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand --wait 'wait for operation to complete [also -wait]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand serve 'Serve a FastScore fleet: Connect, Model Manage and the engines behind one HTTPS endpoint'
        }
        &'fastscore;fleet;serve'= {
            cand --bind 'address to listen on (default 127.0.0.1) [also -bind:<address>]'
            cand --port 'port to listen on (engine serve: 8003, fleet serve: 8000; 0 picks a free one) [also -port:<number>]'
            cand --cert 'the server''s certificate chain (PEM) for HTTPS, with --key [also -cert:<file>]'
            cand --key 'the private key (PEM) of --cert [also -key:<file>]'
            cand --users 'the fleet''s users, one name:password per line; requests must authenticate [also -users:<file>]'
            cand --engines 'the local engines the fleet serves: engine-1 … engine-<n> (default 1); engines elsewhere join with `engine serve --fleet` [also -engines:<n>]'
            cand --http 'serve plain HTTP instead of HTTPS [also -http]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;use'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;run'= {
            cand --schema 'embed schema when loading a model [also -schema:<name>:<schema>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --wait 'wait for operation to complete [also -wait]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Add or replace a model (source from a file or stdin)'
            cand show 'Print a model''s source'
            cand list 'List models'
            cand remove 'Remove a model and its attachments'
            cand verify 'Check that the engine accepts a model'
            cand load 'Load a model into the engine'
            cand inspect 'Show the model loaded in the engine'
            cand unload 'Unload the engine''s model'
            cand scale 'Set the number of model instances (jets)'
            cand input 'Send records from stdin to an input slot (REST stream)'
            cand output 'Print records from an output slot (REST stream)'
            cand interact 'Send records and see outputs interactively'
        }
        &'fastscore;model;add'= {
            cand --type 'set model type (ignore file extension) [also -type:<model-type>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;show'= {
            cand -e 'open item for editing [also -e]'
            cand --edit 'open item for editing [also -e]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;list'= {
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;remove'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;verify'= {
            cand --schema 'embed schema when loading a model [also -schema:<name>:<schema>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;load'= {
            cand --schema 'embed schema when loading a model [also -schema:<name>:<schema>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;inspect'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;unload'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;scale'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;input'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;output'= {
            cand --nowait 'do not wait for data to become available [also -nowait]'
            cand -c 'fetch outputs without exiting [also -c]'
            cand --continuous 'fetch outputs without exiting [also -c]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;model;interact'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;attachment'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List a model''s attachments'
            cand upload 'Upload an attachment (.zip, .tar.gz, .tgz)'
            cand download 'Download an attachment into the current directory'
            cand remove 'Remove an attachment'
        }
        &'fastscore;attachment;list'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;attachment;upload'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;attachment;download'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;attachment;remove'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;schema'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Add or replace an Avro schema (from a file or stdin)'
            cand show 'Print a schema'
            cand remove 'Remove a schema'
            cand list 'List schemas'
            cand verify 'Check a schema, and each record of a JSON-lines file against it'
            cand infer 'Infer an Avro schema from sample records'
        }
        &'fastscore;schema;add'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;schema;show'= {
            cand -e 'open item for editing [also -e]'
            cand --edit 'open item for editing [also -e]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;schema;remove'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;schema;list'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;schema;verify'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;schema;infer'= {
            cand --format 'sample data format for schema infer [also -format:<jsons|csv>]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;snapshot'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List a model''s snapshots'
            cand show 'Show a snapshot''s metadata'
            cand restore 'Restore the engine''s model state from a snapshot'
            cand remove 'Remove a snapshot'
        }
        &'fastscore;snapshot;list'= {
            cand --count 'list no more than NNN items [also -count:NNN]'
            cand --since 'show items created after DATETIME (iso8601) [also -since:DATETIME]'
            cand --until 'show items created before DATETIME (iso8601) [also -until:DATETIME]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;snapshot;show'= {
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;snapshot;restore'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;snapshot;remove'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;policy'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Set the import policy for a model type'
            cand show 'Show the import policy for a model type'
        }
        &'fastscore;policy;set'= {
            cand --type 'set model type (ignore file extension) [also -type:<model-type>]'
            cand --preinstall 'preinstall all libraries [also -preinstall]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;policy;show'= {
            cand --type 'set model type (ignore file extension) [also -type:<model-type>]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Add or replace a stream descriptor (from a file or stdin)'
            cand show 'Print a stream descriptor (secrets masked)'
            cand remove 'Remove a stream descriptor'
            cand list 'List stream descriptors'
            cand inspect 'Show the streams attached to the engine'
            cand verify 'Check that the engine accepts a stream for a slot'
            cand attach 'Attach a stream to a slot'
            cand detach 'Detach the stream of a slot'
            cand sample 'Print sample records read from a stream'
        }
        &'fastscore;stream;add'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;show'= {
            cand -e 'open item for editing [also -e]'
            cand --edit 'open item for editing [also -e]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;remove'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;list'= {
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;inspect'= {
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;verify'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;attach'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;detach'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stream;sample'= {
            cand --count 'list no more than NNN items [also -count:NNN]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand pause 'Pause data processing'
            cand unpause 'Resume data processing'
            cand inspect 'Show the engine state'
            cand reset 'Reset the engine: unload the model, detach all streams'
            cand serve 'Run a local engine in the foreground, serving the FastScore Engine REST API'
            cand stop 'Stop local engines (all of them without a name)'
            cand put 'Copy a local file into the engine, where a file stream reads it'
        }
        &'fastscore;engine;pause'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine;unpause'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine;inspect'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine;reset'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine;serve'= {
            cand --bind 'address to listen on (default 127.0.0.1) [also -bind:<address>]'
            cand --port 'port to listen on (engine serve: 8003, fleet serve: 8000; 0 picks a free one) [also -port:<number>]'
            cand --fleet 'join the fleet at this URL (also $CONNECT_PREFIX): register there, take schemas and attachments from its Model Manage [also -fleet:<url>]'
            cand --no-token 'take requests without the engine''s token: anyone who can reach the address drives the engine [also -no-token]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine;stop'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;engine;put'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Add or replace a sensor descriptor (from a file or stdin)'
            cand show 'Print a sensor descriptor'
            cand remove 'Remove a sensor descriptor'
            cand list 'List sensor descriptors'
            cand install 'Install a sensor on the target instance'
            cand uninstall 'Uninstall a sensor from the target instance'
            cand inspect 'Show the sensors installed on the target instance'
            cand points 'List the tapping points of the target instance'
        }
        &'fastscore;sensor;add'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;show'= {
            cand -e 'open item for editing [also -e]'
            cand --edit 'open item for editing [also -e]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;remove'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;list'= {
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;install'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;uninstall'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;inspect'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;sensor;points'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stats'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand memory 'Watch the target''s memory use'
            cand cpu-utilization 'Watch the target''s CPU use'
            cand jets 'Watch the records per second of each jet'
            cand streams 'Watch the records per second of each slot'
        }
        &'fastscore;stats;memory'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stats;cpu-utilization'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stats;jets'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;stats;streams'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;debug'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand manifold 'Watch the engine''s debugging messages'
            cand stream 'Watch a slot''s debugging messages'
        }
        &'fastscore;debug;manifold'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;debug;stream'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;profile'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand stream 'Profile a slot''s record processing'
        }
        &'fastscore;profile;stream'= {
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;pneumo'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand history 'Print recent Pneumo messages'
        }
        &'fastscore;pneumo;history'= {
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;monitor'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'fastscore;job'= {
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
            cand run 'Same as run'
        }
        &'fastscore;job;run'= {
            cand --schema 'embed schema when loading a model [also -schema:<name>:<schema>]'
            cand -v 'be verbose [also -v]'
            cand --verbose 'be verbose [also -v]'
            cand --wait 'wait for operation to complete [also -wait]'
            cand --json 'output as JSON (handy for scripts) [also -json]'
            cand -m 'monitor engine operations after the command'
            cand --monitor 'monitor engine operations after the command'
            cand -h 'Print help'
            cand --help 'Print help'
        }
    ]
    $completions[$command]
}
