-- An order at the door counts the person's door seats of its event: one
-- range scan of this index, not every order of the event.
create index orders_user_event on orders (user_id, event_id) include (payment_method, status, quantity);
