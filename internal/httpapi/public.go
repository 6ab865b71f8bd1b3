package httpapi

import (
	"net/http"
	"time"

	"github.com/gallra/gallra"
)

// PublicChannel is what end customers see of a channel.
type PublicChannel struct {
	ID     int64         `json:"id"`
	Name   string        `json:"name"`
	Module gallra.Module `json:"module"`
	// PolicyText is the channel's privacy text (null until configured).
	PolicyText *string `json:"policy_text"`
}

// PublicTopicCreate is the body of POST /public/channels/{id}/topics.
type PublicTopicCreate struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	AuthorName  string `json:"author_name"`
	AuthorEmail string `json:"author_email"`
}

// PublicPostCreate is the body of POST /public/topics/{id}/posts; parent_id
// makes it a comment on that post.
type PublicPostCreate struct {
	Body        string `json:"body"`
	AuthorName  string `json:"author_name"`
	AuthorEmail string `json:"author_email"`
	ParentID    *int64 `json:"parent_id,omitempty"`
}

// PublicTopic is a forum topic as the public sees it: display fields only,
// never e-mail or IP addresses.
type PublicTopic struct {
	ID        int64     `json:"id"`
	ChannelID int64     `json:"channel_id"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	// Posts is one page of the topic's posts, oldest first; NextAfterID is
	// the after_id of the next page, null on the last.
	Posts       []PublicPost `json:"posts"`
	NextAfterID *int64       `json:"next_after_id"`
}

// PublicPost is a post or comment as the public sees it. Anonymized posts show
// the author "Anonymous"; removed posts are content-free placeholders.
type PublicPost struct {
	ID         int64           `json:"id"`
	ParentID   *int64          `json:"parent_id,omitempty"`
	Kind       gallra.PostKind `json:"kind"`
	AuthorName string          `json:"author_name"`
	Body       string          `json:"body"`
	CreatedAt  time.Time       `json:"created_at"`
	Anonymized bool            `json:"anonymized"`
	Removed    bool            `json:"removed"`
}

// Display names of posts whose author is gone.
const (
	AnonymousAuthor = "Anonymous"
	RemovedBody     = "[removed]"
)

// PublicChatStart is the body of POST /public/channels/{id}/chats; name and
// e-mail are optional (chats may be anonymous).
type PublicChatStart struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Message string `json:"message"`
}

// PublicChatStarted gives the customer the chat's id and their access token
// (send it as X-Chat-Token). The token is shown once.
type PublicChatStarted struct {
	ChatID    int64  `json:"chat_id"`
	ChatToken string `json:"chat_token"`
}

// PublicChatMessage is the body of POST /public/chats/{id}/messages. The
// token may come in the body or the X-Chat-Token header.
type PublicChatMessage struct {
	Message   string `json:"message"`
	ChatToken string `json:"chat_token,omitempty"`
}

// PublicChat is a chat as its customer sees it.
type PublicChat struct {
	ID       int64      `json:"id"`
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Messages is one page of the chat, oldest first; NextAfterID is the
	// after_id of the next page, null on the last.
	Messages    []PublicChatMessageView `json:"messages"`
	NextAfterID *int64                  `json:"next_after_id"`
}

// PublicChatMessageView is one line of a chat as its customer sees it.
type PublicChatMessageView struct {
	ID        int64             `json:"id"`
	Sender    gallra.ChatSender `json:"sender"`
	Body      string            `json:"body"`
	CreatedAt time.Time         `json:"created_at"`
}

// MaxPublicBody is the request limit of the public routes that carry a post
// or chat message: room for gallra.MaxPublicPostLen characters even if every
// one arrives as a 12-byte JSON escape, with a title, name and e-mail
// address (see TestMaxPublicBodyFitsLongestPost).
const MaxPublicBody = 256 << 10

func (s *Server) publicRoutes(r *Router) {
	tags := []string{"public"}
	tokenHdr := "send the chat token in the X-Chat-Token header"
	r.Handle(Route{Method: "GET", Path: "/api/v1/public/channels/{id}", Summary: "A public channel's name, module and privacy text", Tags: tags,
		Response: PublicChannel{}, Handler: s.publicChannel})
	r.Handle(Route{Method: "POST", Path: "/api/v1/public/channels/{id}/topics", Summary: "Start a forum topic", Tags: tags,
		Request: PublicTopicCreate{}, Response: PublicTopic{}, Status: http.StatusCreated, MaxBody: MaxPublicBody, Handler: s.publicCreateTopic})
	r.Handle(Route{Method: "POST", Path: "/api/v1/public/topics/{id}/posts", Summary: "Post in a topic, or comment on a post", Tags: tags,
		Request: PublicPostCreate{}, Response: PublicPost{}, Status: http.StatusCreated, MaxBody: MaxPublicBody, Handler: s.publicCreatePost})
	r.Handle(Route{Method: "GET", Path: "/api/v1/public/topics/{id}", Summary: "Read a topic with a page of its posts, oldest first (no e-mail or IP addresses)", Tags: tags,
		Query: threadParams, Response: PublicTopic{}, Handler: s.publicTopic})
	r.Handle(Route{Method: "POST", Path: "/api/v1/public/channels/{id}/chats", Summary: "Start a chat; returns the chat token", Tags: tags,
		Request: PublicChatStart{}, Response: PublicChatStarted{}, Status: http.StatusCreated, MaxBody: MaxPublicBody, Handler: s.publicStartChat})
	r.Handle(Route{Method: "POST", Path: "/api/v1/public/chats/{id}/messages", Summary: "Write in your chat", Description: tokenHdr + " or the chat_token field", Tags: tags,
		Request: PublicChatMessage{}, Response: PublicChatMessageView{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, MaxBody: MaxPublicBody, Handler: s.publicChatMessage})
	r.Handle(Route{Method: "GET", Path: "/api/v1/public/chats/{id}", Summary: "Read a page of your chat, oldest first", Description: tokenHdr, Tags: tags,
		Query: threadParams, Response: PublicChat{}, Handler: s.publicGetChat})
}

// publicChannelOf resolves the {id} channel for the public and requires the
// module: anything else is 404.
func (s *Server) publicChannelOf(r *http.Request, modules ...gallra.Module) (*gallra.Channel, error) {
	id, err := PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.svc.Forum.PublicChannel(r.Context(), id, modules...)
}

func (s *Server) publicChannel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.publicChannelOf(r, gallra.ModuleForum, gallra.ModuleChat, gallra.ModuleKnowledge)
	if err != nil {
		return err
	}
	out := PublicChannel{ID: c.ID, Name: c.Name, Module: c.Module}
	if s.policy != nil {
		if out.PolicyText, err = s.policy(r.Context(), c); err != nil {
			return err
		}
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) publicCreateTopic(w http.ResponseWriter, r *http.Request) error {
	c, err := s.publicChannelOf(r, gallra.ModuleForum)
	if err != nil {
		return err
	}
	var in PublicTopicCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.svc.Forum.StartPublicTopic(r.Context(), gallra.NewTopic{ChannelID: c.ID, Title: in.Title, Body: in.Body,
		Author: gallra.Author{Name: in.AuthorName, Email: in.AuthorEmail, IP: s.clientIP(r).String()}})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, publicTopic(t))
	return nil
}

func (s *Server) publicCreatePost(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in PublicPostCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.svc.Forum.AddPublicPost(r.Context(), gallra.NewPost{TopicID: id, ParentID: in.ParentID, Body: in.Body,
		Author: gallra.Author{Name: in.AuthorName, Email: in.AuthorEmail, IP: s.clientIP(r).String()}})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, publicPost(*p))
	return nil
}

func (s *Server) publicTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := QueryThreadPage(r)
	if err != nil {
		return err
	}
	t, err := s.svc.Forum.PublicTopic(r.Context(), id, pg)
	if err != nil {
		return err
	}
	out := publicTopic(t)
	return writeThread(w, publicTopicHead{ID: out.ID, ChannelID: out.ChannelID, Title: out.Title, CreatedAt: out.CreatedAt}, "posts", out.Posts, out.NextAfterID)
}

// publicTopicHead is a PublicTopic without its page of posts, for
// writeThread.
type publicTopicHead struct {
	ID        int64     `json:"id"`
	ChannelID int64     `json:"channel_id"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
}

func publicTopic(t *gallra.ForumTopic) PublicTopic {
	out := PublicTopic{ID: t.ID, ChannelID: t.ChannelID, Title: t.Title, CreatedAt: t.CreatedAt, Posts: []PublicPost{}, NextAfterID: t.NextAfterID}
	for _, p := range t.Posts {
		out.Posts = append(out.Posts, publicPost(p))
	}
	return out
}

func publicPost(p gallra.ForumPost) PublicPost {
	out := PublicPost{ID: p.ID, ParentID: p.ParentID, Kind: p.Kind, AuthorName: p.AuthorName, Body: p.Body, CreatedAt: p.CreatedAt,
		Anonymized: p.AnonymizedAt != nil, Removed: p.Removed}
	switch {
	case p.Removed:
		out.AuthorName, out.Body = "", RemovedBody
	case p.AnonymizedAt != nil || out.AuthorName == "":
		out.AuthorName = AnonymousAuthor
	}
	return out
}

func (s *Server) publicStartChat(w http.ResponseWriter, r *http.Request) error {
	c, err := s.publicChannelOf(r, gallra.ModuleChat)
	if err != nil {
		return err
	}
	var in PublicChatStart
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	chat, secret, err := s.svc.Chat.StartPublicChat(r.Context(), gallra.NewChat{ChannelID: c.ID, Name: in.Name, Email: in.Email,
		IP: s.clientIP(r).String(), Message: in.Message})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, PublicChatStarted{ChatID: chat.ID, ChatToken: secret})
	return nil
}

func (s *Server) publicChatMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in PublicChatMessage
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	token := r.Header.Get("X-Chat-Token")
	if token == "" {
		token = in.ChatToken
	}
	m, err := s.svc.Chat.PublicMessage(r.Context(), id, token, in.Message)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, PublicChatMessageView{ID: m.ID, Sender: m.Sender, Body: m.Body, CreatedAt: m.CreatedAt})
	return nil
}

func (s *Server) publicGetChat(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := QueryThreadPage(r)
	if err != nil {
		return err
	}
	chat, err := s.svc.Chat.PublicChat(r.Context(), id, r.Header.Get("X-Chat-Token"), pg)
	if err != nil {
		return err
	}
	msgs := make([]PublicChatMessageView, 0, len(chat.Messages))
	for _, m := range chat.Messages {
		msgs = append(msgs, PublicChatMessageView{ID: m.ID, Sender: m.Sender, Body: m.Body, CreatedAt: m.CreatedAt})
	}
	return writeThread(w, publicChatHead{ID: chat.ID, OpenedAt: chat.OpenedAt, ClosedAt: chat.ClosedAt}, "messages", msgs, chat.NextAfterID)
}

// publicChatHead is a PublicChat without its page of messages, for
// writeThread.
type publicChatHead struct {
	ID       int64      `json:"id"`
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}
