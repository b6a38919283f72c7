package dev.livehub.hub.engine;

/**
 * The engine contract on the embedded memory engine.
 */
class MemoryEngineTests extends EngineContract {

    private MemoryEngine first;

    @Override
    protected Engine newEngine(StreamSettings settings) {
        // The engines of one test share their streams, as two nodes share one Redis.
        if (first == null) {
            first = new MemoryEngine(settings);
            return first;
        }
        return MemoryEngine.sharing(first);
    }

    @Override
    protected int trimSlack() {
        return 0;
    }
}
