package novatalks

import (
	"context"
	"strings"
)

// ContactUpdate changes a contact. Nil fields stay as they are; an empty
// Email or PhoneNumber clears it. CustomAttributes and AdditionalAttributes
// are merged into the contact's key by key (a null value removes a key), as
// Chatwoot merges them.
type ContactUpdate struct {
	Name                 *string
	Email                *string
	PhoneNumber          *string
	CustomAttributes     map[string]any
	AdditionalAttributes map[string]any
}

// Contacts returns one page (ContactsPerPage) of the contacts of the actor's
// account, newest first, and how many contacts the account has. page is
// 1-based; 0 is the first page.
func (s *Service) Contacts(ctx context.Context, actor Actor, page int) ([]*Contact, int, error) {
	offset, err := pageOffset(page, ContactsPerPage)
	if err != nil {
		return nil, 0, err
	}
	return s.Store.FindContacts(ctx, ContactFilter{AccountID: actor.AccountID, Offset: offset, Limit: ContactsPerPage})
}

// Contact returns a contact of the actor's account; ENOTFOUND otherwise.
func (s *Service) Contact(ctx context.Context, actor Actor, id int64) (*Contact, error) {
	return s.Store.FindContactByID(ctx, actor.AccountID, id)
}

// UpdateContact changes a contact of the actor's account with the rules of
// the SDK's create conversation (name, email, E.164 phone number, attribute
// sizes), emits contact.updated and returns the contact. An invalid update
// changes nothing.
func (s *Service) UpdateContact(ctx context.Context, actor Actor, id int64, upd ContactUpdate) (*Contact, error) {
	var out *Contact
	err := s.update(ctx, func(tx Tx) error {
		c, err := tx.FindContactByID(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		email, phone := nonEmpty(upd.Email), nonEmpty(upd.PhoneNumber)
		c.CustomAttributes = MergeSettings(c.CustomAttributes, upd.CustomAttributes)
		c.AdditionalAttributes = MergeSettings(c.AdditionalAttributes, upd.AdditionalAttributes)
		var v invalid
		s.validateContact(&v, upd.Name, email, phone, c.CustomAttributes, c.AdditionalAttributes)
		if err := v.err(); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = strings.TrimSpace(*upd.Name)
		}
		if upd.Email != nil {
			c.Email = email
		}
		if upd.PhoneNumber != nil {
			c.PhoneNumber = phone
		}
		c.UpdatedAt = s.now()
		if err := tx.UpdateContact(ctx, c); err != nil {
			return err
		}
		tx.Emit(Event{Type: EventContactUpdated, AccountID: c.AccountID, ContactID: c.ID, Contact: c})
		out = c
		return nil
	})
	return out, err
}

// nonEmpty returns p, or nil when p points to an empty string.
func nonEmpty(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	return p
}
