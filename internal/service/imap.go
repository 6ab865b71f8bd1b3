package service

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/imapfetch"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/store"
)

// IMAP implements gallra.IMAPService.
type IMAP struct {
	d    Deps
	mail *Mail
}

var _ gallra.IMAPService = (*IMAP)(nil)

// sealContext binds a sealed IMAP password to its inbox.
func sealContext(channelID int64) string { return "imap:channel:" + strconv.FormatInt(channelID, 10) }

// IMAPAccount implements gallra.IMAPService.
func (s *IMAP) IMAPAccount(ctx context.Context, staff *gallra.Staff, channelID int64) (*gallra.IMAPAccount, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermManageChannels, channelID, gallra.ModuleMail)
	if err != nil {
		return nil, err
	}
	a, err := s.d.DB.GetIMAPAccount(ctx, c.OrgID, c.ID)
	if err != nil {
		return nil, err
	}
	return &a.IMAPAccount, nil
}

// SetIMAPAccount implements gallra.IMAPService.
func (s *IMAP) SetIMAPAccount(ctx context.Context, staff *gallra.Staff, channelID int64, in gallra.IMAPSettings) (*gallra.IMAPAccount, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermManageChannels, channelID, gallra.ModuleMail)
	if err != nil {
		return nil, err
	}
	_, err = s.d.DB.GetIMAPAccount(ctx, c.OrgID, c.ID)
	exists := err == nil
	if err != nil && gallra.ErrorCode(err) != gallra.ENOTFOUND {
		return nil, err
	}
	if err := in.Normalize(exists); err != nil {
		return nil, err
	}
	if s.d.Secrets == nil {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "this installation has no secret key to keep IMAP passwords with: the operator sets GALLRA_SECRET_KEY")
	}
	var sealed []byte
	if in.Password != "" {
		if sealed, err = s.d.Secrets.Seal([]byte(in.Password), sealContext(c.ID)); err != nil {
			return nil, fmt.Errorf("seal IMAP password: %w", err)
		}
	}
	if err := s.d.DB.SetIMAPAccount(ctx, staffActor(staff), c.OrgID, c.ID, in, sealed); err != nil {
		return nil, err
	}
	return s.IMAPAccount(ctx, staff, channelID)
}

// DeleteIMAPAccount implements gallra.IMAPService.
func (s *IMAP) DeleteIMAPAccount(ctx context.Context, staff *gallra.Staff, channelID int64) error {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermManageChannels, channelID, gallra.ModuleMail)
	if err != nil {
		return err
	}
	return s.d.DB.DeleteIMAPAccount(ctx, staffActor(staff), c.OrgID, c.ID)
}

// FetchIMAPNow implements gallra.IMAPService.
func (s *IMAP) FetchIMAPNow(ctx context.Context, staff *gallra.Staff, channelID int64) (gallra.IMAPRun, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleMail)
	if err != nil {
		return gallra.IMAPRun{}, err
	}
	a, err := s.d.DB.GetIMAPAccount(ctx, c.OrgID, c.ID)
	if err != nil {
		return gallra.IMAPRun{}, err
	}
	if !a.Enabled {
		return gallra.IMAPRun{}, gallra.Errorf(gallra.EUNPROCESS, "the IMAP fetch of inbox %d is switched off", c.ID)
	}
	// The run's outcome (also a failed one) is the answer; the error is
	// only for a fault on Gallra's side.
	run, err := s.fetch(ctx, a)
	if err != nil && run.Error == "" {
		return run, err
	}
	return run, nil
}

// FetchAllIMAP implements gallra.IMAPService: every enabled account once,
// least recently run first; one account's failure does not stop the rest.
func (s *IMAP) FetchAllIMAP(ctx context.Context) (int, error) {
	list, err := s.d.DB.EnabledIMAPAccounts(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range list {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		run, err := s.fetch(ctx, &list[i])
		n++
		if err != nil {
			s.d.Log.Warn("imap fetch failed", "channel", list[i].ChannelID, "error", run.Error)
		} else if run.Imported+run.Refused > 0 {
			s.d.Log.Info("imap fetch", "channel", list[i].ChannelID, "imported", run.Imported, "refused", run.Refused, "removed", run.Removed)
		}
	}
	return n, nil
}

// fetch runs one fetch of the account and records its outcome.
func (s *IMAP) fetch(ctx context.Context, a *store.IMAPAccountRow) (gallra.IMAPRun, error) {
	var run gallra.IMAPRun
	if s.d.Secrets == nil {
		run.Error = "no secret key (GALLRA_SECRET_KEY) to open the IMAP password with"
		return run, s.record(ctx, a.ChannelID, run.Error, gallra.Errorf(gallra.EUNPROCESS, "%s", run.Error))
	}
	pw, err := s.d.Secrets.Open(a.Secret, sealContext(a.ChannelID))
	if err != nil {
		run.Error = "the stored IMAP password does not open with this installation's secret key (was GALLRA_SECRET_KEY changed?): enter the password again"
		if !secretbox.IsOpenError(err) {
			run.Error = "the stored IMAP password could not be opened"
		}
		return run, s.record(ctx, a.ChannelID, run.Error, err)
	}
	acct := imapfetch.Account{Host: a.Host, Port: a.Port, Security: a.Security, Username: a.Username, Password: string(pw), Folder: a.Folder,
		AfterImport: a.AfterImport, MoveTo: a.MoveTo, UIDValidity: a.UIDValidity, LastUID: a.LastUID}
	deliver := func(ctx context.Context, raw []byte) error {
		return s.mail.deliverToChannel(ctx, a.OrgID, a.ChannelID, raw)
	}
	checkpoint := func(ctx context.Context, validity, last uint32, imported, refused int) error {
		return s.d.DB.IMAPCheckpoint(ctx, a.ChannelID, validity, last, imported, refused)
	}
	run, err = imapfetch.Fetch(ctx, acct, s.d.IMAP, deliver, checkpoint)
	return run, s.record(ctx, a.ChannelID, run.Error, err)
}

// record stores the run's time and error text and passes err on.
func (s *IMAP) record(ctx context.Context, channelID int64, text string, err error) error {
	if rerr := s.d.DB.IMAPRunDone(context.WithoutCancel(ctx), channelID, s.d.Clock.Now(), text); rerr != nil && err == nil {
		return rerr
	}
	return err
}
