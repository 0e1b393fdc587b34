// Package helper is c3cred's engine: profiles, the get-token flow, and the shapes a token is
// printed in.
//
// A [Profile] names an app on the C3 AI Platform and how to authenticate to it. [Helper.Token]
// answers from the cache while the cached token has more than min_ttl left, and otherwise takes
// the profile's lock, reads the cache again (another process may have just refreshed it), and
// fetches a new token with the client-credentials grant, retrying transient failures within the
// profile's timeout. Nothing on the cache-hit path touches the network, TLS or the secret.
package helper
