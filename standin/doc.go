// Package standin is a local stand-in for the C3 AI Platform, used by c3cred's tests, by
// `install.sh --demo` and by the benchmark. It serves one app on 127.0.0.1 only, over plain
// HTTP or TLS, with two endpoints:
//
//   - <URL>/oauth/token, the OAuth 2.0 client-credentials grant;
//   - <URL>/api/8/User/myUser, which tells who a bearer token belongs to.
//
// Every other path answers 404.
//
// # What it imitates
//
// The token endpoint checks a request as the platform does: a POST whose
// application/x-www-form-urlencoded body carries grant_type=client_credentials, client_id and
// client_secret, with no Authorization header. It answers RFC 6749 JSON with the platform's
// lowercase token_type "bearer", and RFC 6749 errors ("invalid_client" with 401).
//
// Its tokens are shaped like the platform's: RS512 JWTs signed with a real RSA key, carrying
// the platform's claims (app, oauthappid, kind, groups, sseq, …) and an exp claim in
// MILLISECONDS since the epoch, which is what the platform writes although RFC 7519 says
// seconds. Each token is distinct: sseq counts the tokens a server has issued.
//
// # Scripting the token endpoint
//
// Each request to the token endpoint, good or bad, takes the next Response queued with
// Server.Script, or the default one (OK unless changed with Server.SetDefault). A Response
// describes what really goes over the wire: tokens whose expiry is stated in each way a
// client must handle, HTTP errors with RFC 6749 bodies, a connection reset mid-response, a
// request that is never answered, a body written one byte at a time, bodies that are not the
// JSON a client expects, a 64 MiB body, and a delay before any of these.
//
// Responses that carry a token check the request first and answer the platform's error when
// the check fails; the faults answer whatever arrives, as a failing proxy in front of the
// platform would.
//
// # What it does not imitate
//
// It knows one client and one user, and offers no console, no other API and no refresh
// grant. The token endpoint's path on the real platform is inferred, not documented.
package standin
