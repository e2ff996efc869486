-- 0130: the judgement whether the newest day of cost data is still accruing (an export taken during the day), made
-- once per cost import inside its transaction (data/newest_day.py) so a question about that day reads one row
-- instead of five days of cost rows. Valid while the store's row count and newest day are those recorded here.
-- Internal (`_` name): never offered to run_sql.

CREATE TABLE IF NOT EXISTS _newest_day (
    rows BIGINT NOT NULL,               -- count(*) of costs when judged
    last_day DATE NOT NULL,             -- the newest day with cost data when judged
    note VARCHAR                        -- why that day looks incomplete; NULL when it looks whole
);
