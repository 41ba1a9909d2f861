package io.github.relstoragepacker.demo;

import static io.github.relstoragepacker.demo.PloneClasses.APPLICATION;
import static io.github.relstoragepacker.demo.PloneClasses.DOCUMENT;
import static io.github.relstoragepacker.demo.PloneClasses.FILE;
import static io.github.relstoragepacker.demo.PloneClasses.FOLDER;
import static io.github.relstoragepacker.demo.PloneClasses.INTIDS;
import static io.github.relstoragepacker.demo.PloneClasses.IOBTREE;
import static io.github.relstoragepacker.demo.PloneClasses.LENGTH;
import static io.github.relstoragepacker.demo.PloneClasses.MAPPING;
import static io.github.relstoragepacker.demo.PloneClasses.MEMBER;
import static io.github.relstoragepacker.demo.PloneClasses.MEMBER_DATA_TOOL;
import static io.github.relstoragepacker.demo.PloneClasses.NAMED_BLOB_FILE;
import static io.github.relstoragepacker.demo.PloneClasses.NEWS_ITEM;
import static io.github.relstoragepacker.demo.PloneClasses.OOBTREE;
import static io.github.relstoragepacker.demo.PloneClasses.SITE;
import static io.github.relstoragepacker.demo.PloneClasses.TOOL;

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
    private static final long APP_OID = 1;
    private static final String[] TOOLS = {
        "portal_actions", "portal_catalog", "portal_workflow", "portal_types", "portal_skins",
        "portal_registration", "portal_password_reset", "portal_properties", "portal_setup", "portal_url",
        "portal_membership", "portal_groups", "portal_groupdata", "portal_diff", "portal_controlpanel",
        "portal_migration", "portal_transforms", "portal_registry", "caching_policy_manager", "MailHost",
        "translation_service", "plone_utils", "portal_view_customizations", "portal_quickinstaller"
    };

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
        writeRoot(root, app);
        writeApplication(app, site.oid);
        writeIntIds(intidsOid, intidsTree);
        writeMembers(memberTool, memberTree);

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
                tools.add(writeTool(TOOLS[tools.size()]));
            }
        }
        site.tree.close(site.treeOid);
        writeLength(site.lengthOid, site.children);
        writeSite(site, intidsOid, memberTool, tools);
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

    private void writeRoot(long root, long app) throws SQLException {
        ZodbPickler p = sink.begin(MAPPING);
        p.beginDict(1);
        p.string("data");
        p.beginDict(1);
        p.string("Application");
        p.reference(app, APPLICATION);
        p.endItem();
        p.endDict();
        p.endItem();
        p.endDict();
        sink.write(root);
    }

    private void writeApplication(long app, long site) throws SQLException {
        ZodbPickler p = sink.begin(APPLICATION);
        p.beginDict(2);
        p.string("title");
        p.string("Zope");
        p.endItem();
        p.string("Plone");
        p.reference(site, SITE);
        p.endItem();
        p.endDict();
        sink.write(app);
    }

    private void writeIntIds(long intidsOid, long intidsTree) throws SQLException {
        ZodbPickler p = sink.begin(INTIDS);
        p.beginDict(1);
        p.string("refs");
        p.reference(intidsTree, IOBTREE);
        p.endItem();
        p.endDict();
        sink.write(intidsOid);
    }

    /**
     * Member data: one user per 400 objects; the first ones (the garbage share of them) were deleted
     * from the tool but documents still refer to them weakly, so they are garbage reachable only through
     * weak references.
     */
    private void writeMembers(long memberTool, long memberTree) throws SQLException {
        ZodbPickler p = sink.begin(MEMBER_DATA_TOOL);
        p.beginDict(2);
        p.string("id");
        p.string("portal_memberdata");
        p.endItem();
        p.string("_members");
        p.reference(memberTree, OOBTREE);
        p.endItem();
        p.endDict();
        sink.write(memberTool);
        int users = (int) Math.max(3, Math.min(100_000, objects / 400));
        int deleted = garbageShare == 0 ? 0 : (int) Math.max(1, Math.min(users - 1, Math.round(users * garbageShare)));
        userIds = new String[users];
        firstUser = sink.allocated();
        for (int i = 0; i < users; i++) {
            userIds[i] = Words.id(i, 4);
            long user = sink.allocate(i >= deleted);
            p = sink.begin(MEMBER);
            p.beginDict(3);
            p.string("id");
            p.string(userIds[i]);
            p.endItem();
            p.string("fullname");
            p.string(Words.title(userIds[i]) + " " + Words.title(Words.id(users - i, 3)));
            p.endItem();
            p.string("email");
            p.string(userIds[i] + "@example.org");
            p.endItem();
            p.endDict();
            sink.write(user);
        }
        // Buckets get oids after all users, so that user i is firstUser + i.
        TreeWriter members = new TreeWriter(TreeWriter.Family.OO, sink, true, APP_OID);
        for (int i = deleted; i < users; i++) {
            members.add(userIds[i], firstUser + i, MEMBER);
        }
        members.close(memberTree);
    }

    /** A Plone tool of the site: one record without references, for filling the last few oids. */
    private long writeTool(String id) throws SQLException {
        long tool = sink.allocate(true);
        ZodbPickler p = sink.begin(TOOL);
        p.beginDict(2);
        p.string("id");
        p.string(id);
        p.endItem();
        p.string("title");
        p.string("");
        p.endItem();
        p.endDict();
        sink.write(tool);
        return tool;
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
        writeLength(folder.lengthOid, folder.children);
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
            writeFile(sink.allocate(live), id, sink.allocate(live));
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

    /** {@code plone.namedfile}'s blob file and the {@code ZODB.blob.Blob} it holds. */
    private void writeFile(long namedFile, String filename, long blob) throws SQLException, IOException {
        ZodbPickler p = sink.begin(NAMED_BLOB_FILE);
        p.beginDict(3);
        p.string("filename");
        p.string(filename);
        p.endItem();
        p.string("contentType");
        p.string("application/pdf");
        p.endItem();
        p.string("_blob");
        p.reference(blob, PloneClasses.BLOB);
        p.endItem();
        p.endDict();
        sink.write(namedFile);
        sink.writeBlob(blob);
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

    private void writeLength(long oid, long value) throws SQLException {
        sink.begin(LENGTH).integer(value);
        sink.write(oid);
    }

    private void writeSite(Folder site, long intidsOid, long memberTool, List<Long> tools) throws SQLException {
        ZodbPickler p = sink.begin(SITE);
        p.beginDict(6 + tools.size());
        p.string("id");
        p.string(site.id);
        p.endItem();
        p.string("title");
        p.string("Site");
        p.endItem();
        p.string("_tree");
        p.reference(site.treeOid, OOBTREE);
        p.endItem();
        p.string("_count");
        p.reference(site.lengthOid, LENGTH);
        p.endItem();
        p.string("intids");
        p.reference(intidsOid, INTIDS);
        p.endItem();
        p.string("portal_memberdata");
        p.reference(memberTool, MEMBER_DATA_TOOL);
        p.endItem();
        for (int i = 0; i < tools.size(); i++) {
            p.string(TOOLS[i]);
            p.reference(tools.get(i), TOOL);
            p.endItem();
        }
        p.endDict();
        sink.write(site.oid);
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
            case CHAINS -> versionHistory((int) Math.min(unit, room - 1));
            case FOLDERS -> deletedFolder(folder, room, unit);
            case MIXED -> mixedGarbage(folder, room);
        }
    }

    private void mixedGarbage(Folder folder, long room) throws SQLException, IOException {
        int dice = random.nextInt(100);
        if (dice < 2) {
            deletedFolder(folder, room, 1 + random.nextInt(120));
        } else if (dice < 3) {
            ring((int) Math.min(2 + random.nextInt(24), room));
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
            writeFile(sink.allocate(false), id, sink.allocate(false));
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

    /**
     * A deleted document with its version history: {@code entries} revisions, each referencing the one
     * before, the newest referenced by the document. An acyclic chain nothing else references.
     */
    private void versionHistory(int entries) throws SQLException {
        long first = sink.allocated();
        for (int i = 0; i < entries; i++) {
            long oid = sink.allocate(false);
            ZodbPickler p = sink.begin(MAPPING);
            p.beginDict(2);
            p.string("version_id");
            p.integer(i);
            p.endItem();
            p.string("previous");
            if (i == 0) {
                p.none();
            } else {
                p.reference(oid - 1, MAPPING);
            }
            p.endItem();
            p.endDict();
            sink.write(oid);
        }
        long document = sink.allocate(false);
        ZodbPickler p = sink.begin(DOCUMENT);
        p.beginDict(2);
        p.string("id");
        p.string("copy_of_" + Words.id(random.nextInt(100_000), 3));
        p.endItem();
        p.string("history");
        if (entries == 0) {
            p.none();
        } else {
            p.reference(first + entries - 1, MAPPING);
        }
        p.endItem();
        p.endDict();
        sink.write(document);
    }

    /** Documents related to each other in a closed ring, which nothing else references. */
    private void ring(int size) throws SQLException {
        long first = sink.allocated();
        for (int i = 0; i < size; i++) {
            long oid = sink.allocate(false);
            ZodbPickler p = sink.begin(DOCUMENT);
            p.beginDict(4);
            p.string("__parent__");
            p.reference(first + (i + size - 1) % size, DOCUMENT);
            p.endItem();
            p.string("id");
            p.string("ring-" + Words.id(i, 2));
            p.endItem();
            p.string("title");
            p.string("Related " + i);
            p.endItem();
            p.string("relatedItems");
            p.beginList(1);
            p.reference(first + (i + 1) % size, DOCUMENT);
            p.endItem();
            p.endList();
            p.endItem();
            p.endDict();
            sink.write(oid);
        }
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
