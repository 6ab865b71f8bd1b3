package web

import "net/http"

// ChatPaths is the path prefix the chat widget and its delivery are served
// under (internal/chatlive): public, framable by other sites, outside the
// UI's session and cross-origin rules.
const ChatPaths = "/chat/"

// WithChat returns root with ChatPaths served by chat: the root handler of
// `gallra serve` is WithChat(Compose(api, ui), chat).
func WithChat(root, chat http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(ChatPaths, chat)
	mux.Handle("/", root)
	return mux
}
