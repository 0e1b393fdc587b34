// Command c3cred hands out OAuth 2.0 access tokens for apps on the C3 AI Platform, to kubectl, git,
// curl, editors and child processes, from a cache in the OS keyring. See README.md.
package main

import (
	"os"

	"c3cred/cli"
)

func main() {
	os.Exit(cli.Run(os.Args, cli.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
	}))
}
