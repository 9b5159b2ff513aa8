package dev.saescope.lab.train;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Two corpora line by line in turn ({@code a0, b0, a1, b1, ...}), ending when either ends (a {@link
 * SequenceStream} then starts both over): half the documents from each.
 */
public record Interleaved(Iterable<String> a, Iterable<String> b) implements Iterable<String> {
  @Override
  public Iterator<String> iterator() {
    Iterator<String> ia = a.iterator();
    Iterator<String> ib = b.iterator();
    return new Iterator<>() {
      private boolean fromA = true;

      @Override
      public boolean hasNext() {
        return fromA ? ia.hasNext() : ib.hasNext();
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String s = fromA ? ia.next() : ib.next();
        fromA = !fromA;
        return s;
      }
    };
  }
}
