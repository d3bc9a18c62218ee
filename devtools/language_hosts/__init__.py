"""Stand-ins for Pulumi's official language hosts (Python, Node.js, Go), which the Go module proxy
here does not serve; `devtools/language_host.py` starts the one the CLI asks for."""
