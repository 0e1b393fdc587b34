package cli

import (
	"c3cred/helper"
)

var kubectlCommand = &command{
	name:    "kubectl",
	summary: "print an ExecCredential for kubectl (a kubeconfig's users[].exec plugin)",
	usage:   "kubectl [--profile P]",
	run:     runKubectl,
}

// runKubectl answers kubectl's exec plugin call. It reads KUBERNETES_EXEC_INFO before anything
// else, so that a version it cannot answer costs no token request, and never reads stdin:
// kubectl may run it with no terminal.
func runKubectl(r *runner, args []string) error {
	rest, err := r.parse(r.flags(), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("kubectl takes no arguments")
	}
	info, err := helper.ParseExecInfo(r.env.Getenv("KUBERNETES_EXEC_INFO"))
	if err != nil {
		return err
	}

	tok, err := r.token(helper.Options{})
	if err != nil {
		return err
	}
	out, err := helper.ExecCredential(tok, info.APIVersion)
	if err != nil {
		return err
	}
	_, err = r.env.Stdout.Write(out)
	return err
}
