-- An order at the door counts the person's door seats of its event. Without
-- this index the count read every order of the event (the planner took
-- `orders_event`), so each order of a popular event took longer than the
-- last: 35% of an order's time after 15,000 orders.
create index orders_user_event on orders (user_id, event_id, payment_method, status, quantity);
