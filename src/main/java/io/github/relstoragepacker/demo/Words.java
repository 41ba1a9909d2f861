package io.github.relstoragepacker.demo;

import java.util.SplittableRandom;

/**
 * Ids, titles and body text for generated content.
 *
 * <p>Ids look like Plone's short names ({@code "bakoti"}) but are made of fixed-width syllables
 * numbered in alphabetical order, so ids handed out in creation order are also in key order, which a
 * BTree written front to back needs.
 */
final class Words {

    private static final String CONSONANTS = "bdfgklmnprstvz";
    private static final String VOWELS = "aeiou";
    private static final int SYLLABLES = CONSONANTS.length() * VOWELS.length();
    private static final String[] LOREM =
            ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore"
                            + " et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris"
                            + " nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit"
                            + " esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt"
                            + " culpa qui officia deserunt mollit anim id est laborum")
                    .split(" ");

    private Words() {}

    /** The id of the {@code position}-th name in a folder, {@code syllables} syllables long. */
    static String id(long position, int syllables) {
        char[] id = new char[2 * syllables];
        long rest = position;
        for (int i = syllables - 1; i >= 0; i--) {
            int syllable = (int) (rest % SYLLABLES);
            rest /= SYLLABLES;
            id[2 * i] = CONSONANTS.charAt(syllable / VOWELS.length());
            id[2 * i + 1] = VOWELS.charAt(syllable % VOWELS.length());
        }
        if (rest != 0) {
            throw new IllegalArgumentException("position " + position + " needs more than " + syllables + " syllables");
        }
        return new String(id);
    }

    /** How many positions ids of {@code syllables} syllables can number. */
    static long capacity(int syllables) {
        return (long) Math.pow(SYLLABLES, syllables);
    }

    static String title(String id) {
        return Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }

    /** Paragraphs of {@code minLength} to {@code maxLength} characters, made once and shared by many records. */
    static String[] paragraphs(int count, int minLength, int maxLength, SplittableRandom random) {
        String[] paragraphs = new String[count];
        StringBuilder text = new StringBuilder(maxLength + 16);
        for (int i = 0; i < count; i++) {
            int length = minLength + random.nextInt(maxLength - minLength + 1);
            text.setLength(0);
            text.append("<p>");
            while (text.length() < length) {
                text.append(LOREM[random.nextInt(LOREM.length)]).append(' ');
            }
            text.setLength(text.length() - 1);
            paragraphs[i] = text.append("</p>").toString();
        }
        return paragraphs;
    }
}
