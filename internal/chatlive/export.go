package chatlive

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// ParseLogRange reads the export's dates: from and to are days
// (YYYY-MM-DD, Swedish time), both included.
func ParseLogRange(from, to string) (time.Time, time.Time, error) {
	f, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(from), stockholm)
	if err != nil {
		return time.Time{}, time.Time{}, gallra.Errorf(gallra.EINVALID, "from must be a date like 2026-01-01")
	}
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(to), stockholm)
	if err != nil {
		return time.Time{}, time.Time{}, gallra.Errorf(gallra.EINVALID, "to must be a date like 2026-01-31")
	}
	if t.Before(f) {
		return time.Time{}, time.Time{}, gallra.Errorf(gallra.EINVALID, "to (%s) is before from (%s)", to, from)
	}
	return f, t.AddDate(0, 0, 1), nil
}

// cell defuses spreadsheet formulas: a cell starting with = + - @ or a
// control character is prefixed with an apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvHeader is the first row of the CSV export: one row per line of chat.
var csvHeader = []string{"chat_id", "chat_opened_at", "chat_closed_at", "participant_name", "participant_email", "offline", "seq", "kind", "sender", "agent_name", "body", "at"}

// WriteLog streams the chats export produces as JSON (an array of chats
// with their lines) or CSV (csvHeader). Headers are sent with the first
// chat, so a refusal (permission, range) is still a clean error; a failure
// after that aborts the response, which the client sees as cut short.
func WriteLog(w http.ResponseWriter, format, filename string, export func(fn func(gallra.ChatLogChat) error) error) error {
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		h := w.Header()
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, filename, format))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}
	var err error
	if format == "csv" {
		cw := csv.NewWriter(w)
		err = export(func(c gallra.ChatLogChat) error {
			if !started {
				start()
				_ = cw.Write(csvHeader)
			}
			closed := ""
			if c.ClosedAt != nil {
				closed = c.ClosedAt.UTC().Format(time.RFC3339)
			}
			for _, l := range c.Lines {
				if err := cw.Write([]string{strconv.FormatInt(c.ID, 10), c.OpenedAt.UTC().Format(time.RFC3339), closed, cell(c.ParticipantName), cell(c.ParticipantEmail),
					strconv.FormatBool(c.Offline), strconv.FormatInt(l.Seq, 10), string(l.Kind), string(l.Sender), cell(l.AgentName), cell(l.Body), l.At.UTC().Format(time.RFC3339)}); err != nil {
					return err
				}
			}
			cw.Flush()
			return cw.Error()
		})
		if err == nil {
			if !started {
				start()
				_ = cw.Write(csvHeader)
			}
			cw.Flush()
			err = cw.Error()
		}
	} else {
		enc := json.NewEncoder(w)
		err = export(func(c gallra.ChatLogChat) error {
			sep := ","
			if !started {
				start()
				sep = "["
			}
			if _, err := fmt.Fprint(w, sep); err != nil {
				return err
			}
			return enc.Encode(c)
		})
		if err == nil {
			if !started {
				start()
				_, err = fmt.Fprint(w, "[")
			}
			if err == nil {
				_, err = fmt.Fprint(w, "]\n")
			}
		}
	}
	if err != nil && started {
		panic(http.ErrAbortHandler) // the client must not take a cut export for a whole one
	}
	return err
}
