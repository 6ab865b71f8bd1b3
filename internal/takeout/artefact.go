package takeout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// OpenArtefact opens the export ZIP of a completed export request for staff
// who may act on all its channels — and, when the export holds person-level
// data (the person record and the custom fields on the person: an admin's
// request), for admins only; the caller closes the file. Every download is
// audited and recorded in the access log (export, the request id,
// download). ENOTFOUND when the artefact has expired or the request has none.
func (s *Service) OpenArtefact(ctx context.Context, staff *gallra.Staff, id int64) (*os.File, *gallra.SubjectRequest, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, nil, err
	}
	if r.PersonData && !staff.Allowed(gallra.PermPersonData, 0) {
		return nil, nil, withReason(gallra.Errorf(gallra.EFORBIDDEN, "this export holds person-level data (the person record and the custom fields on the person), "+
			"which lie in no channel: only an admin may download it"), ReasonPersonData)
	}
	if r.Status != gallra.StatusCompleted || r.Artefact == nil || r.Artefact.Path == "" ||
		(r.Artefact.ExpiresAt != nil && !s.db.Now().Before(*r.Artefact.ExpiresAt)) {
		return nil, nil, withReason(gallra.Errorf(gallra.ENOTFOUND, "request %d has no downloadable artefact (not an export, not finished, or expired)", id), ReasonNoArtefact)
	}
	var f *os.File
	for _, p := range s.artefactCandidates(r.OrgID, r.Artefact.Path) {
		if f, err = os.Open(p); !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("artefact not found in the artefact directory", "org_id", r.OrgID, "request_id", r.ID, "dir", s.cfg.ArtefactDir)
		return nil, nil, gallra.Errorf(gallra.ENOTFOUND, "the artefact of request %d is not in this server's artefact directory", id)
	} else if err != nil {
		return nil, nil, fmt.Errorf("open artefact of request %d: %w", id, err)
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.RecordRead(ctx, r.OrgID, store.AccessRecord{StaffID: staff.ID, SubjectType: gallra.SubjectExport, SubjectID: r.ID, Action: gallra.AccessDownload}); err != nil {
			return err
		}
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request.artefact_downloaded", "subject_request", r.ID, map[string]any{"size": r.Artefact.Size})
	})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}

// ExpireArtefacts deletes every export artefact past its expiry (all
// organisations), reduces those requests' e-mail to the keyed hash, audits
// each, and returns how many it expired. Safe to run concurrently and again
// after a crash. A file that is not in the configured artefact directory is
// not claimed deleted: the request keeps its record (a warning with the
// request id is logged) and the next run looks for it again.
func (s *Service) ExpireArtefacts(ctx context.Context) (int, error) {
	total := 0
	var after int64
	for {
		list, err := s.db.ExpiredArtefacts(ctx, after, 100)
		if err != nil {
			return total, err
		}
		if len(list) == 0 {
			return total, nil
		}
		for _, r := range list {
			after = r.ID
			if err := ctx.Err(); err != nil {
				return total, err
			}
			removed := false
			for _, p := range s.artefactCandidates(r.OrgID, r.Artefact.Path) {
				err := os.Remove(p)
				if err == nil {
					removed = true
				} else if !errors.Is(err, fs.ErrNotExist) {
					return total, fmt.Errorf("delete artefact of request %d: %w", r.ID, err)
				}
			}
			if !removed {
				s.log.Warn("expired artefact not found in the artefact directory; it stays recorded and is looked for again on the next run",
					"org_id", r.OrgID, "request_id", r.ID, "dir", s.cfg.ArtefactDir)
				continue
			}
			err := s.db.Update(ctx, func(tx *store.Tx) error {
				cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
				if err != nil {
					return err
				}
				if cur.Artefact == nil || cur.Artefact.Path == "" {
					return nil
				}
				now := tx.Now
				cur.Artefact.Path, cur.Artefact.DeletedAt, cur.Email, cur.VerificationNote = "", &now, "", ""
				if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
					return err
				}
				return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.artefact_expired", "subject_request", r.ID, nil)
			})
			if err != nil {
				return total, err
			}
			total++
		}
	}
}

// ReduceFinishedRequests reduces requests that ended longer than the
// artefact TTL ago — completed, cancelled, or failed with no retry (all
// organisations) — to the keyed hash of the address: the clear address, the
// mention keys and the verification note are cleared (the note is kept
// only while a request is open; completion and cancellation clear it at
// once). A failed request reduced this way can no longer be re-run (make a
// new request). Audited per request; returns how many it reduced. When it
// reduced any, the cleared addresses are made to leave the database files
// (as after an erasure). Run by the hourly requests.expire_artefacts job.
func (s *Service) ReduceFinishedRequests(ctx context.Context) (int, error) {
	total := 0
	defer func() {
		if total > 0 {
			s.scrub(ctx, "reduced_requests", total)
		}
	}()
	var after int64
	for {
		list, err := s.db.ReducibleSubjectRequests(ctx, s.db.Now().Add(-s.cfg.ArtefactTTL), after, 100)
		if err != nil {
			return total, err
		}
		if len(list) == 0 {
			return total, nil
		}
		for _, r := range list {
			after = r.ID
			if err := ctx.Err(); err != nil {
				return total, err
			}
			done := false
			err := s.db.Update(ctx, func(tx *store.Tx) error {
				cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
				if err != nil {
					return err
				}
				// Re-checked under the lock: staff may have re-run it.
				if cur.Status != r.Status || cur.Status == gallra.StatusFailed && cur.RetryAt != nil {
					return nil
				}
				cur.Email, cur.MentionKeys, cur.VerificationNote = "", "", ""
				if cur.MentionsStatus == store.MentionsPending {
					cur.MentionsStatus = "" // never searched (the request did not complete)
				}
				if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
					return err
				}
				done = true
				return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.reduced", "subject_request", r.ID,
					map[string]any{"email_hash": cur.EmailHash, "status": string(cur.Status)})
			})
			if err != nil {
				return total, err
			}
			if done {
				total++
			}
		}
	}
}

// stalePart is the age after which a *.part file in the artefact directory
// is taken to be left by a killed worker (a running export refreshes
// nothing on disk but writes continuously, far within this).
const stalePart = time.Hour

// SweepArtefacts removes files under the artefact directory that no request
// accounts for: export ZIPs (request-<id>.zip, and the older
// request-<id>-<random>.zip) whose request does not exist, or records
// another file or none (expired, cancelled); and *.part files older than an
// hour (left by a killed worker). A file is accounted for by its request's
// recorded artefact, or by the planned path of an export in progress. Other
// files are left alone. Returns how many files it removed.
func (s *Service) SweepArtefacts(ctx context.Context) (int, error) {
	orgDirs, err := os.ReadDir(s.cfg.ArtefactDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read artefact folder: %w", err)
	}
	removed := 0
	for _, od := range orgDirs {
		orgID, ok := strings.CutPrefix(od.Name(), "org-")
		org, err := strconv.ParseInt(orgID, 10, 64)
		if !ok || err != nil || !od.IsDir() {
			continue
		}
		dir := filepath.Join(s.cfg.ArtefactDir, od.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return removed, fmt.Errorf("read artefact folder: %w", err)
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return removed, err
			}
			name := f.Name()
			if f.IsDir() || !strings.HasPrefix(name, "request-") {
				continue
			}
			path := filepath.Join(dir, name)
			var drop bool
			switch {
			case strings.HasSuffix(name, ".part"):
				info, err := f.Info()
				drop = err == nil && time.Since(info.ModTime()) > stalePart
			case strings.HasSuffix(name, ".zip"):
				if drop, err = s.orphaned(ctx, org, name); err != nil {
					return removed, err
				}
			}
			if !drop {
				continue
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("remove orphaned artefact: %w", err)
			}
			s.log.Info("removed orphaned artefact", "org_id", org, "file", name)
			removed++
		}
	}
	return removed, nil
}

// orphaned reports whether no request of org accounts for the ZIP name.
func (s *Service) orphaned(ctx context.Context, org int64, name string) (bool, error) {
	digits := strings.TrimPrefix(strings.TrimSuffix(name, ".zip"), "request-")
	if i := strings.IndexByte(digits, '-'); i >= 0 {
		digits = digits[:i]
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return false, nil // not ours
	}
	r, err := s.db.GetSubjectRequest(ctx, org, id)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		return true, nil
	} else if err != nil {
		return false, err
	}
	for _, p := range []string{r.PlannedArtefact, artefactPathOf(r)} {
		if p != "" && filepath.Base(p) == name {
			return false, nil
		}
	}
	return true, nil
}

func artefactPathOf(r *gallra.SubjectRequest) string {
	if r.Artefact == nil {
		return ""
	}
	return r.Artefact.Path
}
