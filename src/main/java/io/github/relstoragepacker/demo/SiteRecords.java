package io.github.relstoragepacker.demo;

import static io.github.relstoragepacker.demo.PloneClasses.APPLICATION;
import static io.github.relstoragepacker.demo.PloneClasses.DOCUMENT;
import static io.github.relstoragepacker.demo.PloneClasses.INTIDS;
import static io.github.relstoragepacker.demo.PloneClasses.IOBTREE;
import static io.github.relstoragepacker.demo.PloneClasses.LENGTH;
import static io.github.relstoragepacker.demo.PloneClasses.MAPPING;
import static io.github.relstoragepacker.demo.PloneClasses.MEMBER;
import static io.github.relstoragepacker.demo.PloneClasses.MEMBER_DATA_TOOL;
import static io.github.relstoragepacker.demo.PloneClasses.NAMED_BLOB_FILE;
import static io.github.relstoragepacker.demo.PloneClasses.OOBTREE;
import static io.github.relstoragepacker.demo.PloneClasses.SITE;
import static io.github.relstoragepacker.demo.PloneClasses.TOOL;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The records of {@link SiteWriter}'s site that stand on their own: the root, the Zope application, the
 * intid utility, the member data, a tool, a {@code Length}, a file with its blob, and two shapes of
 * garbage that reference nothing outside themselves (a version history, a ring). Each writes its
 * records to the sink, with the oids it is given or allocates.
 */
final class SiteRecords {

    /** The members written: user {@code i} is {@code firstUser + i}, named {@code userIds[i]}. */
    record Members(long firstUser, String[] userIds) {}

    private SiteRecords() {}

    /** The tools of a Plone site, in the order they fill the last oids. */
    static final String[] TOOLS = {
        "portal_actions", "portal_catalog", "portal_workflow", "portal_types", "portal_skins",
        "portal_registration", "portal_password_reset", "portal_properties", "portal_setup", "portal_url",
        "portal_membership", "portal_groups", "portal_groupdata", "portal_diff", "portal_controlpanel",
        "portal_migration", "portal_transforms", "portal_registry", "caching_policy_manager", "MailHost",
        "translation_service", "plone_utils", "portal_view_customizations", "portal_quickinstaller"
    };

    /** The site's own record: its folder tree, the intid utility, the member data and the {@code tools}. */
    static void site(
            RecordSink sink,
            long oid,
            String id,
            long tree,
            long length,
            long intidsOid,
            long memberTool,
            List<Long> tools)
            throws SQLException {
        ZodbPickler p = sink.begin(SITE);
        p.beginDict(6 + tools.size());
        p.string("id");
        p.string(id);
        p.endItem();
        p.string("title");
        p.string("Site");
        p.endItem();
        p.string("_tree");
        p.reference(tree, OOBTREE);
        p.endItem();
        p.string("_count");
        p.reference(length, LENGTH);
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
        sink.write(oid);
    }

    static void root(RecordSink sink, long root, long app) throws SQLException {
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

    static void application(RecordSink sink, long app, long site) throws SQLException {
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

    static void intIds(RecordSink sink, long intidsOid, long intidsTree) throws SQLException {
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
    static Members members(RecordSink sink, long memberTool, long memberTree, long objects, double garbageShare)
            throws SQLException {
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
        String[] userIds = new String[users];
        long firstUser = sink.allocated();
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
        TreeWriter members = new TreeWriter(TreeWriter.Family.OO, sink, true, SiteWriter.APP_OID);
        for (int i = deleted; i < users; i++) {
            members.add(userIds[i], firstUser + i, MEMBER);
        }
        members.close(memberTree);
        return new Members(firstUser, userIds);
    }

    /** A Plone tool of the site: one record without references, for filling the last few oids. */
    static long tool(RecordSink sink, String id) throws SQLException {
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

    static void length(RecordSink sink, long oid, long value) throws SQLException {
        sink.begin(LENGTH).integer(value);
        sink.write(oid);
    }

    /** {@code plone.namedfile}'s blob file and the {@code ZODB.blob.Blob} it holds. */
    static void namedFile(RecordSink sink, long namedFile, String filename, long blob)
            throws SQLException, IOException {
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

    /**
     * A deleted document with its version history: {@code entries} revisions, each referencing the one
     * before, the newest referenced by the document. An acyclic chain nothing else references.
     */
    static void versionHistory(RecordSink sink, SplittableRandom random, int entries) throws SQLException {
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
    static void ring(RecordSink sink, int size) throws SQLException {
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
}
