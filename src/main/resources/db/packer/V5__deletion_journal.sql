-- Objects a committed deletion batch removed from object_state, waiting to be removed from the index.
-- Written in the batch's transaction, under RelStorage's commit lock, so that the lock is held only
-- for the deletion itself; the index follows right after the commit, in a transaction of its own that
-- empties this table. A crash in between leaves the rows for the next step: the index never loses
-- track of a deletion, and never forgets an object a later commit wrote again (tid differs).
CREATE TABLE deleted (
    zoid      bigint PRIMARY KEY,
    -- the deleted state's tid
    tid       bigint NOT NULL,
    -- since when the object was unreachable: targets it leaves without referrer inherit it
    since_tid bigint NOT NULL
);
