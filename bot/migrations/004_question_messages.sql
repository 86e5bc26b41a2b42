-- The message a question asked by mentioning the bot came in (NULL for /ask and questions from
-- before): when its author deletes it, the withdrawn question leaves the log too. Only the
-- message's id: it names no user or channel (the log keeps neither).
ALTER TABLE insight_questions ADD COLUMN message_id INTEGER;

CREATE INDEX insight_questions_by_message ON insight_questions (message_id)
    WHERE message_id IS NOT NULL;
