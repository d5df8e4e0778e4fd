-- When any instance last sent each host a request: stamped just before sending, so a request
-- that left late (its instance woke late from its reserved slot) still keeps the next one, from
-- any instance, a whole delay away.
ALTER TABLE hosts ADD COLUMN last_sent_at timestamptz;
