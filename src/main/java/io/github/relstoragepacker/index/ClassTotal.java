package io.github.relstoragepacker.index;

/**
 * Objects of one class and their state bytes: what a deletion batch removed (as the index forgets
 * them), what a pack deleted, or what a dry run would delete.
 *
 * @param objects objects of the class
 * @param bytes their state bytes, as {@code object_state.state_size} had them
 */
public record ClassTotal(long objects, long bytes) {

    /** The sum of both. */
    public ClassTotal plus(ClassTotal other) {
        return new ClassTotal(objects + other.objects, bytes + other.bytes);
    }
}
