package io.github.relstoragepacker.demo;

/** The classes of a Plone 5/6 site's records, as their {@code GLOBAL}s name them. */
final class PloneClasses {

    static final String MAPPING = "persistent.mapping.PersistentMapping";
    static final String APPLICATION = "OFS.Application.Application";
    static final String SITE = "Products.CMFPlone.Portal.PloneSite";
    static final String TOOL = "OFS.SimpleItem.SimpleItem";
    static final String MEMBER_DATA_TOOL = "Products.PlonePAS.tools.memberdata.MemberDataTool";
    static final String MEMBER = "Products.PlonePAS.tools.memberdata.MemberData";
    static final String FOLDER = "plone.app.contenttypes.content.Folder";
    static final String DOCUMENT = "plone.app.contenttypes.content.Document";
    static final String NEWS_ITEM = "plone.app.contenttypes.content.NewsItem";
    static final String FILE = "plone.app.contenttypes.content.File";
    static final String NAMED_BLOB_FILE = "plone.namedfile.file.NamedBlobFile";
    static final String BLOB = "ZODB.blob.Blob";
    static final String LENGTH = "BTrees.Length.Length";
    static final String INTIDS = "five.intid.intid.IntIds";
    static final String KEY_REFERENCE = "five.intid.keyreference.KeyReferenceToPersistent";
    static final String OOBTREE = "BTrees.OOBTree.OOBTree";
    static final String OOBUCKET = "BTrees.OOBTree.OOBucket";
    static final String IOBTREE = "BTrees.IOBTree.IOBTree";
    static final String IOBUCKET = "BTrees.IOBTree.IOBucket";

    private PloneClasses() {}
}
