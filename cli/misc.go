package cli

import (
	"fmt"
	"runtime"
)

var versionCommand = &command{
	name:    "version",
	summary: "print c3cred's version",
	usage:   "version",
	run: func(r *runner, args []string) error {
		if _, err := r.parse(r.flags(), args); err != nil {
			return err
		}
		_, err := fmt.Fprintf(r.env.Stdout, "c3cred %s (%s, %s/%s)\n",
			Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return err
	},
}

var helpCommand = &command{
	name:    "help",
	summary: "list the commands, or explain one: c3cred help <command>",
	usage:   "help [command]",
	run: func(r *runner, args []string) error {
		if len(args) == 0 {
			return errHelp
		}
		c := lookup(args[0])
		if c == nil {
			return usageError(fmt.Sprintf("unknown command %q", args[0]))
		}
		r.cmd = c
		return errHelp
	},
}
