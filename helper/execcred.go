package helper

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The ExecCredential versions c3cred speaks, as kubectl names them in KUBERNETES_EXEC_INFO and in
// a kubeconfig's users[].exec.apiVersion.
const (
	ExecV1      = "client.authentication.k8s.io/v1"
	ExecV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// maxExecInfoSize bounds KUBERNETES_EXEC_INFO. With provideClusterInfo it carries the cluster's
// CA bundle, a few kilobytes; anything near this bound is not kubectl's.
const maxExecInfoSize = 1 << 20

// ErrExecInfo reports a KUBERNETES_EXEC_INFO that c3cred cannot answer.
var ErrExecInfo = errors.New("KUBERNETES_EXEC_INFO")

// ExecInfo is what kubectl tells its exec plugin in KUBERNETES_EXEC_INFO.
type ExecInfo struct {
	// APIVersion is the ExecCredential version kubectl expects back.
	APIVersion string
	// Interactive reports that kubectl lent the plugin its terminal; c3cred never prompts anyway.
	Interactive bool
}

// ParseExecInfo reads the value of KUBERNETES_EXEC_INFO. An empty value means v1, as an old or
// hand-run caller sets none; anything else must be an ExecCredential naming a version c3cred
// speaks. Errors wrap ErrExecInfo.
func ParseExecInfo(raw string) (ExecInfo, error) {
	if strings.TrimSpace(raw) == "" {
		return ExecInfo{APIVersion: ExecV1}, nil
	}
	if len(raw) > maxExecInfoSize {
		return ExecInfo{}, fmt.Errorf("%w is over %d bytes", ErrExecInfo, maxExecInfoSize)
	}
	var in struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
		Spec       struct {
			Interactive bool `json:"interactive"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return ExecInfo{}, fmt.Errorf("%w is not ExecCredential JSON: %v", ErrExecInfo, err)
	}

	switch {
	case in.Kind != "ExecCredential":
		return ExecInfo{}, fmt.Errorf("%w has kind %q, want ExecCredential", ErrExecInfo,
			clean(in.Kind, 40))
	case in.APIVersion != ExecV1 && in.APIVersion != ExecV1beta1:
		return ExecInfo{}, withHint(fmt.Errorf("%w asks for apiVersion %q; c3cred speaks %s and %s",
			ErrExecInfo, clean(in.APIVersion, 80), ExecV1, ExecV1beta1),
			"set apiVersion: "+ExecV1+" in the kubeconfig's users[].exec block")
	}
	return ExecInfo{APIVersion: in.APIVersion, Interactive: in.Spec.Interactive}, nil
}

// execCredential is the ExecCredential an exec plugin writes; kubectl reads only its status.
type execCredential struct {
	Kind       string     `json:"kind"`
	APIVersion string     `json:"apiVersion"`
	Status     execStatus `json:"status"`
}

// execStatus is an ExecCredential's status: the bearer token and when it stops working.
type execStatus struct {
	Token               string `json:"token"`
	ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
}

// ExecCredential renders tok as the ExecCredential of apiVersion, ending with a newline. Its
// expirationTimestamp is the token's own expiry (RFC 3339, UTC, whole seconds rounded down), so
// kubectl runs the plugin again when it passes; it is left out when the expiry is unknown.
func ExecCredential(tok *Token, apiVersion string) ([]byte, error) {
	if apiVersion != ExecV1 && apiVersion != ExecV1beta1 {
		return nil, fmt.Errorf("ExecCredential apiVersion %q is not one c3cred speaks", apiVersion)
	}
	out := execCredential{Kind: "ExecCredential", APIVersion: apiVersion,
		Status: execStatus{Token: tok.AccessToken}}
	if !tok.ExpiresAt.IsZero() {
		out.Status.ExpirationTimestamp = tok.ExpiresAt.UTC().Format(time.RFC3339)
	}
	data, err := json.Marshal(out)
	return append(data, '\n'), err
}
