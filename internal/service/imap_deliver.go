package service

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/mail"
	"strings"

	"github.com/gallra/gallra"
)

// deliverToChannel takes a raw message fetched over IMAP into the inbox.
// Interim: a plain-text reading with net/mail until the intake pipeline
// (MIME, charsets, auto-replies, threading rules) is merged and serves SMTP
// and IMAP alike.
func (m *Mail) deliverToChannel(ctx context.Context, orgID, channelID int64, raw []byte) error {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return gallra.Errorf(gallra.EINVALID, "message is not an e-mail")
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		return gallra.Errorf(gallra.EINVALID, "message has no usable From")
	}
	body, err := io.ReadAll(io.LimitReader(msg.Body, 10*gallra.MaxBodyLen+1))
	if err != nil {
		return gallra.Errorf(gallra.EINVALID, "message body unreadable")
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	in := gallra.InboundMail{From: from.Address, FromName: from.Name, Subject: subject, Body: string(body),
		MessageID: msg.Header.Get("Message-ID"), InReplyTo: msg.Header.Get("In-Reply-To"), References: strings.Fields(msg.Header.Get("References"))}
	if err := in.Validate(); err != nil {
		return err
	}
	_, err = m.d.DB.IngestMail(ctx, orgID, channelID, in)
	return err
}
