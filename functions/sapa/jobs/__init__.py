"""Work that happens after a webhook has answered: replies, sends, labels (queue + worker)."""
