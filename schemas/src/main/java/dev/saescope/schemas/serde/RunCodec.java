package dev.saescope.schemas.serde;

import dev.saescope.schemas.RunAnnouncement;

/** {@link RunAnnouncement} to and from its Avro class. */
final class RunCodec {
  private RunCodec() {}

  static dev.saescope.avro.RunAnnouncement toAvro(RunAnnouncement r) {
    return dev.saescope.avro.RunAnnouncement.newBuilder()
        .setRunId(r.runId())
        .setDataset(r.dataset())
        .setSeed(r.seed())
        .setItems(r.items())
        .setTasks(r.tasks())
        .setOpen(r.open())
        .setAnnouncedAtMs(r.announcedAtMs())
        .build();
  }

  static RunAnnouncement fromAvro(dev.saescope.avro.RunAnnouncement a) {
    return new RunAnnouncement(
        a.getRunId(),
        a.getDataset(),
        a.getSeed(),
        a.getItems(),
        a.getTasks(),
        a.getOpen(),
        a.getAnnouncedAtMs());
  }
}
