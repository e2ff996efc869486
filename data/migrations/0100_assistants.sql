-- 0100: coding assistants (Claude Code, Cursor, GitHub Copilot): who holds a seat, and what each user did with it.
-- Their spend (seat fees, usage, premium requests) is in `costs` like every other bill; these two tables hold what
-- a bill cannot: the seat roster (for idle seats) and the productivity signals (for cost per accepted line, per PR).

-- One row per day, tool and user: the activity the vendor reports (NULL where it does not report a signal).
CREATE TABLE IF NOT EXISTS assistant_activity (
    day DATE NOT NULL,
    tool VARCHAR NOT NULL,                 -- claude_code | cursor | github_copilot
    user_id VARCHAR NOT NULL,              -- email or login, lower case (the `user` tag of the cost rows)
    active BOOLEAN,                        -- the vendor counts the user active that day
    sessions BIGINT,                       -- Claude Code sessions, Copilot CLI sessions
    requests BIGINT,                       -- chat / agent / composer / edit requests, user-initiated interactions
    accepted_lines BIGINT,                 -- lines the assistant wrote that the user kept
    removed_lines BIGINT,                  -- lines the assistant removed that the user kept
    suggested_lines BIGINT,                -- lines the assistant suggested (accepted or not)
    suggestions_shown BIGINT,              -- completions / edits shown
    suggestions_accepted BIGINT,           -- completions / edits accepted
    commits BIGINT,                        -- commits made by the assistant
    pull_requests BIGINT,                  -- pull requests opened by the assistant
    estimated_cost DECIMAL(38,10),         -- the vendor's own estimate of the usage cost, where reported
    source VARCHAR NOT NULL,               -- <tool>_activity
    x_ImportId VARCHAR
);

-- The seat roster as of the last sync or import: one row per tool and user.
CREATE TABLE IF NOT EXISTS assistant_seats (
    tool VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    plan VARCHAR,                          -- business, enterprise, teams, ...
    monthly_price DECIMAL(38,10),          -- the seat's price per month used for its cost rows
    assigned_at TIMESTAMPTZ,               -- when the seat was assigned (NULL: unknown)
    ends_at TIMESTAMPTZ,                   -- pending cancellation / removal (NULL: none)
    last_activity_at TIMESTAMPTZ,          -- the vendor's last activity time (NULL: never)
    last_activity_surface VARCHAR,         -- editor / surface of that activity
    cycle_spend DECIMAL(38,10),            -- usage-based spend of the current billing cycle, where reported
    as_of TIMESTAMPTZ NOT NULL,            -- when the roster was read
    source VARCHAR NOT NULL,               -- <tool>_seats
    x_ImportId VARCHAR
);
