package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/gallra/gallra"
)

// Principal is the authenticated caller of a staff route: a staff user acting
// through one of their API tokens. The staff user's organisation scopes every
// query the request makes.
type Principal struct {
	Staff *gallra.Staff
	Token *gallra.Token
}

// OrgID is the organisation every query of the request is scoped to.
func (p *Principal) OrgID() int64 { return p.Staff.OrgID }

// Actor is who the audit log records for the request's actions.
func (p *Principal) Actor() gallra.Actor {
	return gallra.Actor{Type: gallra.ActorStaff, ID: p.Staff.ID}
}

// IsAdmin reports whether the caller is an administrator.
func (p *Principal) IsAdmin() bool { return p.Staff.Role == gallra.RoleAdmin }

type ctxKeyPrincipal struct{}

// PrincipalFrom returns the caller of a staff route. It panics on a public
// route, where there is none: that is a bug in the route's registration.
func PrincipalFrom(ctx context.Context) *Principal {
	p, ok := ctx.Value(ctxKeyPrincipal{}).(*Principal)
	if !ok {
		panic(errNoPrincipal)
	}
	return p
}

// authenticate resolves the bearer token; any failure is EUNAUTHORIZED.
func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, gallra.Errorf(gallra.EUNAUTHORIZED, "an API token is required: send Authorization: Bearer <token>")
	}
	staff, tok, err := s.svc.Staff.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
	if err != nil {
		return nil, err
	}
	return &Principal{Staff: staff, Token: tok}, nil
}

// authorizeChannel checks that the caller may act on the channel (of their
// own organisation): admins everywhere, editors where they are members
// (gallra.PermWorkChannel).
func (s *Server) authorizeChannel(p *Principal, channelID int64) error {
	return p.Staff.Authorize(gallra.PermWorkChannel, channelID)
}

// channel loads a channel of the caller's organisation that they may act on
// (gallra.PermWorkChannel): another organisation's answers 404, a channel an
// editor is not a member of 403. The rule is ChannelService's, shared with
// the web UI.
func (s *Server) channel(ctx context.Context, p *Principal, id int64) (*gallra.Channel, error) {
	return s.svc.Channels.GetChannel(ctx, p.Staff, id, "", gallra.PermWorkChannel)
}

// channelOfModule is channel plus a module check: a channel of another module
// is answered 404, as if it did not exist (it has no such sub-resource).
func (s *Server) channelOfModule(ctx context.Context, p *Principal, id int64, m gallra.Module) (*gallra.Channel, error) {
	return s.svc.Channels.GetChannel(ctx, p.Staff, id, m, gallra.PermWorkChannel)
}

// pathChannel is channelOfModule for the {id} path parameter ("" module: any).
func (s *Server) pathChannel(r *http.Request, m gallra.Module) (*Principal, *gallra.Channel, error) {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	c, err := s.channelOfModule(r.Context(), p, id, m)
	return p, c, err
}
