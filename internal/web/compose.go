package web

import "net/http"

// APIPaths returns the path prefixes the JSON API serves; everything else is
// the UI. Patterns ending in "/" match their whole subtree.
func APIPaths() []string { return []string{"/api/", "/healthz", "/readyz"} }

// Compose returns the root handler of `gallra serve`: the API's paths go to
// api, every other path to ui. Tests use it to serve exactly what serve does.
func Compose(api, ui http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range APIPaths() {
		mux.Handle(p, api)
	}
	mux.Handle("/", ui)
	return mux
}
