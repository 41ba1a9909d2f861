package io.github.relstoragepacker.demo;

import static io.github.relstoragepacker.demo.PloneClasses.APPLICATION;
import static io.github.relstoragepacker.demo.PloneClasses.DOCUMENT;
import static io.github.relstoragepacker.demo.PloneClasses.FILE;
import static io.github.relstoragepacker.demo.PloneClasses.FOLDER;
import static io.github.relstoragepacker.demo.PloneClasses.LENGTH;
import static io.github.relstoragepacker.demo.PloneClasses.NAMED_BLOB_FILE;
import static io.github.relstoragepacker.demo.PloneClasses.NEWS_ITEM;
import static io.github.relstoragepacker.demo.PloneClasses.OOBTREE;
import static io.github.relstoragepacker.demo.PloneClasses.SITE;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes the object graph of {@link PloneSiteGenerator} front to back, keeping only the folders
 * currently open (one per level), one bucket per open BTree and the bucket list of each open tree.
 *
 * <p>Exactly {@code objects} oids are written. Before each step the writer checks that the oids
 * already handed out, plus those that closing every open structure will still need (the BTree nodes
 * above the buckets), plus the most a step can add ({@value #MAX_STEP}), stay within the total. When no
 * further step fits, the open folders are closed and the last few oids are filled with objects of
 * exactly one record each (Plone tools on the site, or deleted documents), so the total is exact and
 * the garbage share stays as asked.
 *
 * <p>Reachability is known by construction: every oid is allocated as live or as garbage, and a live
 * object is only ever referenced strongly from live objects, a garbage one only from garbage or
 * weakly.
 */
final class SiteWriter {

    /** More oids than any one step (an item, a subfolder, a garbage unit's share) can add. */
    private static final int MAX_STEP = 24;

    private static final int MAX_DEPTH = 5;
    static final long APP_OID = 1;

    private final RecordSink sink;
    private final SplittableRandom random;
    private final long objects;
    private final double garbageShare;
    private final PloneSiteGenerator.GarbageShape shape;
    private final int unit;
    private final int blobEvery;
    private final String[] documentTexts;
    private final String[] newsTexts;
    private final List<Folder> open = new ArrayList<>();
    private final TreeWriter intids;
    private long firstUser;
    private String[] userIds = new String[0];
    private long nextIntId;
    private long contentItems;

    SiteWriter(RecordSink sink, SplittableRandom random, PloneSiteGenerator.Options options) {
        this.sink = sink;
        this.random = random;
        this.objects = options.objects();
        this.garbageShare = options.garbageShare();
        this.blobEvery = options.blobEvery();
        this.shape = options.shape();
        this.unit = options.unit();
        this.documentTexts = Words.paragraphs(64, 150, 1500, random);
        this.newsTexts = Words.paragraphs(32, 80, 600, random);
        this.intids = new TreeWriter(TreeWriter.Family.IO, sink, true, APP_OID);
        this.nextIntId = random.nextInt(Integer.MIN_VALUE / 2, 0);
    }

    /** Writes all {@code objects} records. */
    void write() throws SQLException, IOException {
        long root = sink.allocate(true);
        long app = sink.allocate(true);
        Folder site = new Folder(SITE, "Plone", "/Plone", app, APPLICATION, 0, Long.MAX_VALUE, true);
        long intidsOid = sink.allocate(true);
        long intidsTree = sink.allocate(true);
        long memberTool = sink.allocate(true);
        long memberTree = sink.allocate(true);
        SiteRecords.root(sink, root, app);
        SiteRecords.application(sink, app, site.oid);
        SiteRecords.intIds(sink, intidsOid, intidsTree);
        SiteRecords.Members members = SiteRecords.members(sink, memberTool, memberTree, objects, garbageShare);
        firstUser = members.firstUser();
        userIds = members.userIds();

        open.add(site);
        while (objects - sink.allocated() - closingCost() >= MAX_STEP) {
            if (sink.garbage() < garbageShare * sink.allocated()) {
                garbageUnit(objects - sink.allocated() - closingCost());
            } else {
                liveStep();
            }
        }
        while (open.size() > 1) {
            close(open.remove(open.size() - 1));
        }
        intids.close(intidsTree);
        List<Long> tools = new ArrayList<>();
        while (sink.allocated() + site.tree.closingCost() < objects) {
            if (sink.garbage() < garbageShare * (sink.allocated() + 1)) {
                deletedItem(site, false);
            } else {
                tools.add(SiteRecords.tool(sink, SiteRecords.TOOLS[tools.size()]));
            }
        }
        site.tree.close(site.treeOid);
        SiteRecords.length(sink, site.lengthOid, site.children);
        SiteRecords.site(sink, site.oid, site.id, site.treeOid, site.lengthOid, intidsOid, memberTool, tools);
        sink.finishBatch();
        if (sink.allocated() != objects) {
            throw new IllegalStateException("wrote " + sink.allocated() + " objects instead of " + objects);
        }
    }

    private long closingCost() {
        long cost = intids.closingCost();
        for (Folder folder : open) {
            cost += folder.tree.closingCost();
        }
        return cost;
    }

    /** Adds an item or a subfolder to the innermost open folder, or closes it when it is full. */
    private void liveStep() throws SQLException, IOException {
        Folder folder = open.get(open.size() - 1);
        if (folder.children >= folder.planned) {
            close(open.remove(open.size() - 1));
        } else if (folder.depth < MAX_DEPTH && random.nextDouble() < subfolderChance(folder.depth)) {
            open.add(openFolder(folder));
        } else {
            addItem(folder, true);
        }
    }

    private static double subfolderChance(int depth) {
        return depth == 0 ? 0.9 : depth == 1 ? 0.2 : 0.08;
    }

    /** Folder sizes: most folders small (one inline bucket), some large, a few empty. */
    private int plannedSize(int depth) {
        if (depth == 1) {
            return 5 + random.nextInt(200);
        }
        int dice = random.nextInt(100);
        if (dice < 3) {
            return 0;
        } else if (dice < 70) {
            return 1 + random.nextInt(30);
        } else if (dice < 95) {
            return 31 + random.nextInt(170);
        }
        return 201 + random.nextInt(1300);
    }

    private Folder openFolder(Folder parent) throws SQLException {
        String id = childId(parent);
        Folder folder = new Folder(
                FOLDER,
                id,
                parent.path + "/" + id,
                parent.oid,
                parent.className,
                parent.depth + 1,
                plannedSize(parent.depth + 1),
                true);
        parent.tree.add(id, folder.oid, FOLDER);
        intids.addKeyReference(nextIntId++, folder.oid, FOLDER, folder.path);
        return folder;
    }

    private void close(Folder folder) throws SQLException {
        folder.tree.close(folder.treeOid);
        SiteRecords.length(sink, folder.lengthOid, folder.children);
        ZodbPickler p = sink.begin(FOLDER);
        p.beginDict(7);
        p.string("__parent__");
        p.reference(folder.parentOid, folder.parentClass);
        p.endItem();
        p.string("id");
        p.string(folder.id);
        p.endItem();
        p.string("title");
        p.string(Words.title(folder.id));
        p.endItem();
        creators(p);
        p.string("_tree");
        p.reference(folder.treeOid, OOBTREE);
        p.endItem();
        p.string("_count");
        p.reference(folder.lengthOid, LENGTH);
        p.endItem();
        p.endDict();
        sink.write(folder.oid);
    }

    /**
     * A document, news item or file in {@code folder}, with {@code __parent__} pointing back at it. Live
     * items are also registered with the intid utility.
     */
    private void addItem(Folder folder, boolean live) throws SQLException, IOException {
        boolean file = blobEvery > 0 && ++contentItems % blobEvery == 0;
        String className = file ? FILE : random.nextInt(10) < 7 ? DOCUMENT : NEWS_ITEM;
        String id = childId(folder) + (file ? ".pdf" : "");
        long oid = sink.allocate(live);
        writeItem(oid, className, id, folder.oid, folder.className, file ? sink.allocated() : -1);
        if (file) {
            SiteRecords.namedFile(sink, sink.allocate(live), id, sink.allocate(live));
        }
        folder.tree.add(id, oid, className);
        if (live) {
            intids.addKeyReference(nextIntId++, oid, className, folder.path + "/" + id);
        }
    }

    private void writeItem(long oid, String className, String id, long parent, String parentClass, long file)
            throws SQLException {
        ZodbPickler p = sink.begin(className);
        p.beginDict(file >= 0 ? 6 : 8);
        p.string("__parent__");
        p.reference(parent, parentClass);
        p.endItem();
        p.string("id");
        p.string(id);
        p.endItem();
        p.string("title");
        p.string(Words.title(id));
        p.endItem();
        creators(p);
        if (file >= 0) {
            p.string("file");
            p.reference(file, NAMED_BLOB_FILE);
            p.endItem();
        } else {
            p.string("description");
            p.string("");
            p.endItem();
            p.string("text");
            p.string(
                    className.equals(NEWS_ITEM)
                            ? newsTexts[random.nextInt(newsTexts.length)]
                            : documentTexts[random.nextInt(documentTexts.length)]);
            p.endItem();
            p.string("language");
            p.string("en");
            p.endItem();
        }
        p.endDict();
        sink.write(oid);
    }

    /** {@code 'creators': (user_id,)} and a weak reference to that member's data, live or deleted. */
    private void creators(ZodbPickler p) {
        int user = random.nextInt(userIds.length);
        p.string("creators");
        p.beginTuple(1);
        p.string(userIds[user]);
        p.endTuple();
        p.endItem();
        p.string("creator");
        p.weakReference(firstUser + user);
        p.endItem();
    }

    /**
     * One piece of garbage of at most {@code room} objects, of the shapes a Plone database accumulates:
     * deleted items (acyclic, pointing back into the live site), buckets left behind by BTree splits
     * (pointing at live items), deleted folders with their contents (every item on a cycle through its
     * folder, blob files below it), and self-contained rings.
     */
    private void garbageUnit(long room) throws SQLException, IOException {
        Folder folder = open.get(open.size() - 1);
        switch (shape) {
            case FLAT -> deletedItem(folder, true);
            case CHAINS -> SiteRecords.versionHistory(sink, random, (int) Math.min(unit, room - 1));
            case FOLDERS -> deletedFolder(folder, room, unit);
            case MIXED -> mixedGarbage(folder, room);
        }
    }

    private void mixedGarbage(Folder folder, long room) throws SQLException, IOException {
        int dice = random.nextInt(100);
        if (dice < 2) {
            deletedFolder(folder, room, 1 + random.nextInt(120));
        } else if (dice < 3) {
            SiteRecords.ring(sink, (int) Math.min(2 + random.nextInt(24), room));
        } else if (dice < 23 && folder.tree.filling() > 0) {
            folder.tree.writeStaleBucket(sink.allocate(false));
        } else {
            deletedItem(folder, true);
        }
    }

    /** An item deleted from {@code folder}; with {@code mayBeFile}, possibly a file with its blob. */
    private void deletedItem(Folder folder, boolean mayBeFile) throws SQLException, IOException {
        boolean file = mayBeFile && blobEvery > 0 && random.nextInt(blobEvery) == 0;
        String className = file ? FILE : DOCUMENT;
        String id = "copy_of_" + Words.id(random.nextInt(100_000), 3) + (file ? ".pdf" : "");
        long oid = sink.allocate(false);
        writeItem(oid, className, id, folder.oid, folder.className, file ? sink.allocated() : -1);
        if (file) {
            SiteRecords.namedFile(sink, sink.allocate(false), id, sink.allocate(false));
        }
    }

    /**
     * A folder deleted from {@code parent} with up to {@code items} items in it, as many as fit in {@code
     * room}.
     */
    private void deletedFolder(Folder parent, long room, int items) throws SQLException, IOException {
        while (items > 0 && worstCase(items) > room) {
            items /= 2;
        }
        String id = "old-" + Words.id(random.nextInt(100_000), 3);
        Folder folder = new Folder(
                FOLDER, id, parent.path + "/" + id, parent.oid, parent.className, parent.depth + 1, items, false);
        for (int i = 0; i < items; i++) {
            addItem(folder, false);
        }
        close(folder);
    }

    /** The most objects a deleted folder of {@code items} items can take: files, buckets and all. */
    private static long worstCase(int items) {
        return 3 + 3L * items + (items > 30 ? items / 15 + 2 : 0);
    }

    private String childId(Folder folder) {
        int syllables = folder.depth == 0 ? 4 : 3;
        if (folder.children >= Words.capacity(syllables)) {
            throw new IllegalStateException("folder " + folder.path + " is full");
        }
        return Words.id(folder.children++, syllables);
    }

    /**
     * An open folder: its oids (the folder, its {@code OOBTree}, its {@code Length}, handed out
     * together as Plone creates them in one transaction), where it sits, and its contents so far.
     */
    private final class Folder {

        final long oid;
        final String className;
        final String id;
        final String path;
        final long treeOid;
        final long lengthOid;
        final long parentOid;
        final String parentClass;
        final int depth;
        final long planned;
        final TreeWriter tree;
        long children;

        Folder(
                String className,
                String id,
                String path,
                long parentOid,
                String parentClass,
                int depth,
                long planned,
                boolean live) {
            this.oid = sink.allocate(live);
            this.treeOid = sink.allocate(live);
            this.lengthOid = sink.allocate(live);
            this.className = className;
            this.id = id;
            this.path = path;
            this.parentOid = parentOid;
            this.parentClass = parentClass;
            this.depth = depth;
            this.planned = planned;
            this.tree = new TreeWriter(TreeWriter.Family.OO, sink, live, APP_OID);
        }
    }
}
