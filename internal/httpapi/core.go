package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gallra/gallra"
)

// StatusResponse is the body of the health endpoints.
type StatusResponse struct {
	Status string `json:"status"`
}

func (s *Server) systemRoutes(r *Router) {
	r.Handle(Route{Method: "GET", Path: "/healthz", Summary: "Liveness: the process answers", Tags: []string{"system"},
		Response: StatusResponse{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			WriteJSON(w, http.StatusOK, StatusResponse{Status: "ok"})
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/readyz", Summary: "Readiness: the database answers", Tags: []string{"system"},
		Response: StatusResponse{}, Errors: []string{gallra.EUNAVAILABLE}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			defer cancel()
			if err := s.svc.Health.Ready(ctx); err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, StatusResponse{Status: "ok"})
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This API's OpenAPI 3.1 document", Tags: []string{"system"},
		Response: map[string]any{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			WriteJSON(w, http.StatusOK, s.OpenAPI())
			return nil
		}})
}

// MeResponse is the caller's identity.
type MeResponse struct {
	Staff        gallra.Staff        `json:"staff"`
	Organisation gallra.Organisation `json:"organisation"`
	TokenID      int64               `json:"token_id"`
}

// OrganisationUpdate changes the organisation; omitted fields keep their value.
type OrganisationUpdate struct {
	Name     *string `json:"name,omitempty"`
	Language *string `json:"language,omitempty" enum:"sv,en"`
}

func (s *Server) orgRoutes(r *Router) {
	r.Handle(Route{Method: "GET", Path: "/api/v1/me", Summary: "The authenticated staff user and organisation", Tags: []string{"organisation"},
		Auth: AuthStaff, Response: MeResponse{}, Handler: s.getMe})
	r.Handle(Route{Method: "GET", Path: "/api/v1/organisation", Summary: "The caller's organisation", Tags: []string{"organisation"},
		Auth: AuthStaff, Response: gallra.Organisation{}, Handler: s.getOrg})
	r.Handle(Route{Method: "PATCH", Path: "/api/v1/organisation", Summary: "Rename the organisation or change its language", Tags: []string{"organisation"},
		Auth: AuthAdmin, Permission: gallra.PermManageOrganisation, Request: OrganisationUpdate{}, Response: gallra.Organisation{}, Handler: s.patchOrg})
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	org, err := s.svc.Organisations.GetOrganisation(r.Context(), p.Staff)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, MeResponse{Staff: *p.Staff, Organisation: *org, TokenID: p.Token.ID})
	return nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	org, err := s.svc.Organisations.GetOrganisation(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, org)
	return nil
}

func (s *Server) patchOrg(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var in OrganisationUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	org, err := s.svc.Organisations.UpdateOrganisation(r.Context(), p.Staff, gallra.OrganisationUpdate{Name: in.Name, Language: in.Language})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, org)
	return nil
}

// ChannelCreate is the body of POST /channels.
type ChannelCreate struct {
	Module  gallra.Module `json:"module"`
	Name    string        `json:"name"`
	Address string        `json:"address,omitempty"`
}

// ChannelUpdate changes a channel; omitted fields keep their value.
type ChannelUpdate struct {
	Name    *string `json:"name,omitempty"`
	Address *string `json:"address,omitempty"`
}

var moduleEnum = []string{"forum", "mail", "chat", "social", "knowledge"}

func (s *Server) channelRoutes(r *Router) {
	tags := []string{"channels"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels", Summary: "List the organisation's channels", Tags: tags, Auth: AuthStaff,
		Description: "Administrators get every channel of the organisation, editors the channels they are members of.",
		Query:       []Param{{Name: "module", Type: "string", Enum: moduleEnum}}, Response: List[gallra.Channel]{}, Handler: s.listChannels})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels", Summary: "Create a channel", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageChannels,
		Description: fmt.Sprintf("422 once the organisation has %d channels.", gallra.MaxChannels),
		Request:     ChannelCreate{}, Response: gallra.Channel{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, Handler: s.createChannel})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}", Summary: "Get a channel", Tags: tags, Auth: AuthStaff,
		Description: "Editors may read only the channels they are members of (403 for the others).",
		Response:    gallra.Channel{}, Handler: s.getChannel})
	r.Handle(Route{Method: "PATCH", Path: "/api/v1/channels/{id}", Summary: "Rename a channel or change its inbox address", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageChannels,
		Request: ChannelUpdate{}, Response: gallra.Channel{}, Handler: s.patchChannel})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}", Summary: "Delete an empty channel (409 while content remains)", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageChannels,
		Errors: []string{gallra.ECONFLICT}, Handler: s.deleteChannel})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/channels/{id}/members/{staffID}", Summary: "Make a staff user an editor of the channel", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageChannels,
		Errors: []string{gallra.EUNPROCESS}, Handler: s.membership(true)})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}/members/{staffID}", Summary: "Remove a staff user from the channel's editors", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageChannels,
		Handler: s.membership(false)})
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) error {
	m, err := QueryEnum(r, "module", moduleEnum...)
	if err != nil {
		return err
	}
	// As in the UI: administrators see every channel, editors only theirs
	// (their names and inbox addresses are not the editor's business).
	list, err := s.svc.Channels.ListChannels(r.Context(), PrincipalFrom(r.Context()).Staff, gallra.Module(m), gallra.PermViewChannel)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(list))
	return nil
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var in ChannelCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.svc.Channels.CreateChannel(r.Context(), p.Staff, gallra.NewChannel{Module: in.Module, Name: in.Name, Address: in.Address})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	// Another organisation's channel is not found, a channel an editor is
	// not a member of forbidden.
	c, err := s.svc.Channels.GetChannel(r.Context(), p.Staff, id, "", gallra.PermViewChannel)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) patchChannel(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in ChannelUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.svc.Channels.UpdateChannel(r.Context(), p.Staff, id, gallra.ChannelUpdate{Name: in.Name, Address: in.Address})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.Channels.DeleteChannel(r.Context(), p.Staff, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) membership(member bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := PrincipalFrom(r.Context())
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		staffID, err := PathID(r, "staffID")
		if err != nil {
			return err
		}
		if err := s.svc.Channels.SetMembership(r.Context(), p.Staff, id, staffID, member); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// StaffCreate is the body of POST /staff. avatar_url, when given, must be
// an absolute https:// URL (see gallra.ValidateHTTPSURL).
type StaffCreate struct {
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	Role      gallra.Role `json:"role"`
	AvatarURL string      `json:"avatar_url,omitempty"`
}

// StaffUpdate changes a staff user; omitted fields keep their value.
// Deactivating (active: false) also revokes the user's tokens, ends their
// UI sessions and retires their unused sign-in links; reactivating revives
// none of them.
type StaffUpdate struct {
	Name      *string      `json:"name,omitempty"`
	Email     *string      `json:"email,omitempty"`
	Role      *gallra.Role `json:"role,omitempty"`
	AvatarURL *string      `json:"avatar_url,omitempty"`
	Active    *bool        `json:"active,omitempty"`
}

func (s *Server) staffRoutes(r *Router) {
	tags := []string{"staff"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/staff", Summary: "List staff users", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Response: List[gallra.Staff]{}, Handler: s.listStaff})
	r.Handle(Route{Method: "POST", Path: "/api/v1/staff", Summary: "Add a staff user", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Description: fmt.Sprintf("avatar_url, when given, must be an absolute https:// URL (relative, protocol-relative and http:// URLs are refused). 422 once the organisation has %d staff users.", gallra.MaxStaff),
		Request:     StaffCreate{}, Response: gallra.Staff{}, Status: http.StatusCreated, Errors: []string{gallra.ECONFLICT, gallra.EUNPROCESS}, Handler: s.createStaff})
	r.Handle(Route{Method: "GET", Path: "/api/v1/staff/{id}", Summary: "Get a staff user", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Response: gallra.Staff{}, Handler: s.getStaff})
	r.Handle(Route{Method: "PATCH", Path: "/api/v1/staff/{id}", Summary: "Change a staff user", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Description: "Deactivating (active: false) revokes the user's API tokens, ends their UI sessions and retires their unused sign-in links in the same transaction; reactivating revives none of them (a new sign-in link is needed). A removed or off-boarded staff user cannot be changed or reactivated (422). avatar_url must be an absolute https:// URL.",
		Request:     StaffUpdate{}, Response: gallra.Staff{}, Errors: []string{gallra.ECONFLICT, gallra.EUNPROCESS}, Handler: s.patchStaff})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/staff/{id}", Summary: "Remove a staff user's personal data (they left)", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Description: "Ends the user's tokens, sessions, sign-in links and channel memberships; the remaining stub (\"Former staff\") holds the editor role with no channel, stays inactive and can never be reactivated or sign in.",
		Errors:      []string{gallra.EUNPROCESS}, Handler: s.deleteStaff})
	s.staffOffboardingRoutes(r)
}

func (s *Server) listStaff(w http.ResponseWriter, r *http.Request) error {
	list, err := s.svc.Staff.ListStaff(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(list))
	return nil
}

func (s *Server) createStaff(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var in StaffCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.svc.Staff.CreateStaff(r.Context(), p.Staff, gallra.NewStaff{Name: in.Name, Email: in.Email, Role: in.Role, AvatarURL: in.AvatarURL})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) getStaff(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.svc.Staff.GetStaff(r.Context(), PrincipalFrom(r.Context()).Staff, id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) patchStaff(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in StaffUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.svc.Staff.UpdateStaff(r.Context(), p.Staff, id, gallra.StaffUpdate{Name: in.Name, Email: in.Email, Role: in.Role, AvatarURL: in.AvatarURL, Active: in.Active})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) deleteStaff(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.Staff.DeleteStaff(r.Context(), p.Staff, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TokenCreate is the body of POST /tokens. StaffID defaults to the caller;
// only admins may create tokens for others.
type TokenCreate struct {
	Name    string `json:"name"`
	StaffID *int64 `json:"staff_id,omitempty"`
}

// TokenCreated is a new token with its secret, shown this once.
type TokenCreated struct {
	Token  gallra.Token `json:"token"`
	Secret string       `json:"secret"`
}

func (s *Server) tokenRoutes(r *Router) {
	tags := []string{"tokens"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/tokens", Summary: "List API tokens (admins: all; editors: their own)", Tags: tags, Auth: AuthStaff,
		Description: fmt.Sprintf("At most %d tokens: the active ones first, then the revoked, newest first in each.", gallra.MaxListedTokens),
		Response:    List[gallra.Token]{}, Handler: s.listTokens})
	r.Handle(Route{Method: "POST", Path: "/api/v1/tokens", Summary: "Create an API token; the secret is returned once", Tags: tags, Auth: AuthStaff,
		Request: TokenCreate{}, Response: TokenCreated{}, Status: http.StatusCreated, Errors: []string{gallra.ENOTFOUND, gallra.ECONFLICT, gallra.EUNPROCESS}, Handler: s.createToken})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token (editors: their own)", Tags: tags, Auth: AuthStaff,
		Handler: s.revokeToken})
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	list, err := s.svc.Staff.ListTokens(r.Context(), p.Staff)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(list))
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var in TokenCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	var staffID int64 // 0: the caller
	if in.StaffID != nil {
		if *in.StaffID <= 0 {
			return gallra.Errorf(gallra.EINVALID, "staff_id must be a positive integer")
		}
		staffID = *in.StaffID
	}
	tok, secret, err := s.svc.Staff.CreateToken(r.Context(), p.Staff, staffID, in.Name)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, TokenCreated{Token: *tok, Secret: secret})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.Staff.RevokeToken(r.Context(), p.Staff, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
